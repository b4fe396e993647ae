package io.transmog.engine.db;

import io.transmog.engine.MigrationException;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which server the engine talks to, read once from {@code VERSION()}: the statements that differ between MySQL and
 * MariaDB (and between MySQL releases) are chosen from this, never by trying one and catching its error, which
 * would also hide real failures (a missing privilege reads like an unknown statement).
 */
public record ServerKind(Product product, int major, int minor, int patch, String version) {
    /** MariaDB's handshake may prefix its version with {@code 5.5.5-} for old clients; the real one follows. */
    private static final Pattern VERSION = Pattern.compile("^(?:5\\.5\\.5-(?=\\d+\\.\\d+\\.\\d+))?(\\d+)\\.(\\d+)\\.(\\d+)");

    public enum Product { MYSQL, MARIADB }

    /** Reads the version of the server at the other end of {@code connection}. */
    public static ServerKind of(Connection connection) throws SQLException {
        String version = Database.queryString(connection, "SELECT VERSION()")
                .orElseThrow(() -> new MigrationException("the server did not report its version"));
        return parse(version);
    }

    /** {@code 10.11.6-MariaDB-0+deb12u1}, {@code 11.8.9-MariaDB-...}, {@code 9.7.4}, {@code 8.0.36-log}. */
    public static ServerKind parse(String version) {
        Matcher matcher = VERSION.matcher(version);
        if (!matcher.find()) {
            throw new MigrationException("cannot read the server version \"" + version + "\"");
        }
        Product product = version.toLowerCase(java.util.Locale.ROOT).contains("mariadb") ? Product.MARIADB : Product.MYSQL;
        return new ServerKind(product, Integer.parseInt(matcher.group(1)), Integer.parseInt(matcher.group(2)),
                Integer.parseInt(matcher.group(3)), version);
    }

    public boolean isMySql() {
        return product == Product.MYSQL;
    }

    public boolean isMariaDb() {
        return product == Product.MARIADB;
    }

    /** This server is at least {@code major.minor.patch} of its product. */
    public boolean atLeast(int atLeastMajor, int atLeastMinor, int atLeastPatch) {
        if (major != atLeastMajor) {
            return major > atLeastMajor;
        }
        if (minor != atLeastMinor) {
            return minor > atLeastMinor;
        }
        return patch >= atLeastPatch;
    }

    /** MySQL 8.2 named it SHOW BINARY LOG STATUS; 8.4 removed SHOW MASTER STATUS. MariaDB keeps the old name. */
    public boolean hasBinaryLogStatus() {
        return isMySql() && atLeast(8, 2, 0);
    }

    /** MySQL 8.0.1 added {@code FOR SHARE}; MariaDB only knows {@code LOCK IN SHARE MODE}. */
    public boolean hasForShare() {
        return isMySql() && atLeast(8, 0, 1);
    }

    /**
     * MySQL 8.0.13 lets a session RENAME tables it holds WRITE-locked under LOCK TABLES: the one-connection atomic
     * cut-over. MariaDB refuses RENAME under LOCK TABLES.
     */
    public boolean renamesUnderLockTables() {
        return isMySql() && atLeast(8, 0, 13);
    }

    /** The server's version for messages, e.g. {@code MySQL 9.7.4}. */
    public String describe() {
        return (isMySql() ? "MySQL " : "MariaDB ") + major + "." + minor + "." + patch;
    }

    @Override
    public String toString() {
        return describe();
    }
}
