package io.transmog.operator.kube;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.transmog.operator.model.DatabaseSpec;
import io.transmog.operator.model.SchemaMigration;
import io.transmog.operator.model.SchemaMigrationSpec;
import io.transmog.operator.model.SecretReference;
import io.transmog.operator.model.ThrottleSpec;
import io.transmog.testdb.MariaDbServer;

/**
 * The database side of the runner tests: the shared hermetic MariaDB server (io.transmog.testdb), a migration user
 * with a name and password found nowhere else (so a leak is unmistakable), seeded tables and what tests check.
 */
final class MigrationDatabase {

    static final String ALTER = "ADD COLUMN nickname VARCHAR(64) NOT NULL DEFAULT ''";
    private static final SecureRandom RANDOM = new SecureRandom();

    final MariaDbServer server;
    final String user;
    final String password;

    private MigrationDatabase(MariaDbServer server, String user, String password) {
        this.server = server;
        this.user = user;
        this.password = password;
    }

    /** The shared server, with a new account holding what an online schema change needs. */
    static MigrationDatabase create() {
        MariaDbServer server = MariaDbServer.shared();
        String user = "smig_" + token(10);
        String password = "Pw-" + token(18) + "-x9";
        for (String host : new String[] { "%", "127.0.0.1", "localhost" }) {
            server.execute(null,
                    "CREATE USER '" + user + "'@'" + host + "' IDENTIFIED BY '" + password + "'",
                    "GRANT ALL PRIVILEGES ON *.* TO '" + user + "'@'" + host + "'");
        }
        return new MigrationDatabase(server, user, password);
    }

    String createSchema(String prefix) {
        return server.createDatabase(prefix);
    }

    /** {@code rows} rows in a table with an auto-increment primary key. */
    void seed(String schema, String table, int rows) {
        server.execute(schema, "CREATE TABLE `" + table + "` (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, "
                + "name VARCHAR(64) NOT NULL, email VARCHAR(128) NOT NULL, score INT NOT NULL DEFAULT 0)");
        try (Connection c = server.connect(schema)) {
            c.setAutoCommit(false);
            int batch = 2000;
            for (int start = 1; start <= rows; start += batch) {
                StringBuilder sql = new StringBuilder("INSERT INTO `" + table + "` (name, email, score) VALUES ");
                int end = Math.min(rows, start + batch - 1);
                for (int i = start; i <= end; i++) {
                    sql.append(i == start ? "" : ",").append("('name-").append(i).append("','user").append(i)
                            .append("@example.com',").append(i % 997).append(')');
                }
                try (Statement s = c.createStatement()) {
                    s.executeUpdate(sql.toString());
                }
            }
            c.commit();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    long count(String schema, String table) {
        return server.queryLong(schema, "SELECT COUNT(*) FROM `" + table + "`");
    }

    /** Row count and a checksum of the columns every version of the test table has. */
    String fingerprint(String schema, String table) {
        try (Connection c = server.connect(schema); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT COUNT(*), COALESCE(SUM(CRC32(CONCAT_WS('#', id, name, email, "
                        + "score))), 0) FROM `" + table + "`")) {
            rs.next();
            return rs.getLong(1) + "/" + rs.getLong(2);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    boolean tableExists(String schema, String table) {
        return exists("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
                schema, table);
    }

    boolean columnExists(String schema, String table, String column) {
        return exists("SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? "
                + "AND COLUMN_NAME = ?", schema, table, column);
    }

    private boolean exists(String sql, String... args) {
        try (Connection c = server.connect(null); PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                s.setString(i + 1, args[i]);
            }
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1) > 0;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    void execute(String schema, String... sql) {
        server.execute(schema, sql);
    }

    private static String token(int length) {
        String alphabet = "abcdefghijkmnpqrstuvwxyz23456789";
        StringBuilder s = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            s.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        }
        return s.toString();
    }

    /** A SchemaMigration of {@code schema}.customers on this server, adding a column, in chunks of {@code chunkSize}. */
    SchemaMigration migration(String namespace, String name, String schema, String secret, int chunkSize) {
        var database = new DatabaseSpec();
        database.setHost(server.host());
        database.setPort(server.port());
        database.setSchema(schema);
        database.setCredentialsSecretRef(new SecretReference(secret));
        var throttle = new ThrottleSpec();
        throttle.setChunkSize(chunkSize);
        var spec = new SchemaMigrationSpec();
        spec.setDatabase(database);
        spec.setTable("customers");
        spec.setAlter(ALTER);
        spec.setThrottle(throttle);
        var m = new SchemaMigration();
        m.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName(name).build());
        m.setSpec(spec);
        return m;
    }
}
