package io.transmog.engine.db;

import io.transmog.engine.MigrationException;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.Properties;

/**
 * Opens connections with the session settings every engine statement relies on:
 * UTC session time zone (TIMESTAMP and DATETIME literals mean what they say) and the
 * server's own sql_mode made strict (see {@link SqlMode}).
 *
 * <p>The driver is MySQL Connector/J, on MySQL and MariaDB alike; {@link #driverProperties}
 * pins every driver setting the engine's reads and writes depend on.
 */
public final class Database {
    /**
     * How long the server waits for a client reading a result set before giving up on it: Connector/J's own value for
     * streaming reads (netTimeoutForStreamingResults), the server's default being 60 s.
     */
    static final int STREAMING_WRITE_TIMEOUT_SECONDS = 600;
    static final int CONNECT_TIMEOUT_MILLIS = 5000;

    private final ConnectionConfig config;
    private final boolean allowZeroInDate;

    public Database(ConnectionConfig config) {
        this(config, false);
    }

    /** @param allowZeroInDate gh-ost's --allow-zero-in-date: zero dates pass even where the server's sql_mode forbids them */
    public Database(ConnectionConfig config, boolean allowZeroInDate) {
        this.config = config;
        this.allowZeroInDate = allowZeroInDate;
    }

    public ConnectionConfig config() {
        return config;
    }

    public Connection connect() {
        try {
            Connection connection = DriverManager.getConnection(url(config), driverProperties(config));
            try (Statement statement = connection.createStatement()) {
                String serverMode = queryString(connection, "SELECT @@SESSION.sql_mode").orElse("");
                statement.execute("SET SESSION time_zone = '+00:00', sql_mode = '" + SqlMode.forEngine(serverMode, allowZeroInDate)
                        + "', innodb_lock_wait_timeout = 10, net_write_timeout = " + STREAMING_WRITE_TIMEOUT_SECONDS);
                // Every warning of a statement must be listed (Warnings): MariaDB keeps 64 by default and lets any
                // session raise it. MySQL keeps 1024, more than a chunk's rows, and setting it takes
                // SESSION_VARIABLES_ADMIN there, so it stays; Warnings notices should a statement ever exceed it.
                if (ServerKind.parse(connection.getMetaData().getDatabaseProductVersion()).isMariaDb()) {
                    statement.execute("SET SESSION max_error_count = 65535");
                }
            } catch (SQLException | RuntimeException e) {
                connection.close();
                throw e;
            }
            return connection;
        } catch (SQLException e) {
            String message = describeConnectFailure(config, e);
            throw ConnectionLoss.isConnectionError(e) ? new ConnectionLoss(message, e) : new MigrationException(message, e);
        }
    }

    /** No user, password or option in the URL: they travel in {@link #driverProperties}. */
    static String url(ConnectionConfig config) {
        String host = config.host().contains(":") && !config.host().startsWith("[") ? "[" + config.host() + "]" : config.host();
        return "jdbc:mysql://" + host + ":" + config.port() + "/";
    }

    /**
     * Connector/J's settings, chosen so that values reach the engine exactly as the server
     * renders them and leave it exactly as the engine wrote them.
     */
    static Properties driverProperties(ConnectionConfig config) {
        Properties properties = new Properties();
        properties.setProperty("user", config.user());
        if (config.password() != null) {
            properties.setProperty("password", config.password());
        }
        properties.setProperty("connectTimeout", String.valueOf(CONNECT_TIMEOUT_MILLIS));
        properties.setProperty("tcpKeepAlive", "true");
        // One statement per execute: a value can never smuggle in a second one.
        properties.setProperty("allowMultiQueries", "false");
        properties.setProperty("allowLoadLocalInfile", "false");
        // A lost connection must surface (ConnectionLoss), never be replaced behind the engine's back.
        properties.setProperty("autoReconnect", "false");
        // No TLS unless asked for (the driver's default would try it and not verify the server).
        TlsMaterial.of(config.tls()).applyTo(properties);
        properties.setProperty("allowPublicKeyRetrieval", String.valueOf(config.allowPublicKeyRetrieval()));
        // Client-side prepared statements: every statement goes as text, every value comes back
        // as text, the way the server renders it (FLOAT included), the same on both kinds of server.
        properties.setProperty("useServerPrepStmts", "false");
        properties.setProperty("cachePrepStmts", "false");
        // utf8mb4 both ways; the connection collation stays the server's default for utf8mb4.
        properties.setProperty("characterEncoding", "UTF-8");
        properties.setProperty("characterSetResults", "UTF-8");
        // The session time zone is +00:00 (set below, not by the driver, which would name a zone
        // the server may not know). The driver converts java.time/java.sql values with the same
        // zone, whatever the JVM's own; temporal key values are read as text and never shifted.
        properties.setProperty("connectionTimeZone", "UTC");
        properties.setProperty("forceConnectionTimeZoneToSession", "false");
        properties.setProperty("preserveInstants", "true");
        // Reading a zero date as a date object fails loudly instead of turning it into NULL or
        // 0001-01-01; the engine reads temporal values with getString, which keeps them.
        properties.setProperty("zeroDateTimeBehavior", "EXCEPTION");
        // Column types as declared: TINYINT(1) is a number, YEAR a number, BIT(1) not a boolean.
        properties.setProperty("tinyInt1isBit", "false");
        properties.setProperty("transformedBitIsBoolean", "false");
        properties.setProperty("yearIsDateType", "false");
        // A truncation warning stays a warning, for Warnings to turn into the engine's error.
        // (The server's own errors 1406/1264 still arrive as DataTruncation, with their code.)
        properties.setProperty("jdbcCompliantTruncation", "false");
        // Update counts are rows matched, not rows changed.
        properties.setProperty("useAffectedRows", "false");
        // Around every streaming query (the checksum pass's) the driver would raise net_write_timeout and put it back,
        // two more round trips each, 400 for a 1M-row pass; connect() sets the same value once, in the session's SET.
        properties.setProperty("netTimeoutForStreamingResults", "0");
        return properties;
    }

    static String describeConnectFailure(ConnectionConfig config, SQLException e) {
        String where = config.host() + ":" + config.port();
        if (e.getErrorCode() == 1045) {
            return "access denied for user '" + config.user() + "' at " + where + ": check the user name and password"
                    + (config.tls().enabled() ? "" : ", and whether the account requires TLS or a client certificate"
                    + " (--ssl, --ssl-cert, --ssl-key)");
        }
        if (ConnectionLoss.needsServerPublicKey(e)) {
            return "cannot log in to MySQL at " + where + " as '" + config.user() + "': the server wants the password "
                    + "encrypted with its RSA public key (caching_sha2_password without TLS): connect with TLS (--ssl), "
                    + "or let the driver fetch the server's key with --allow-public-key-retrieval";
        }
        if (config.tls().enabled() && isTlsFailure(e)) {
            return "cannot connect to MySQL at " + where + " with TLS (" + config.tls().mode() + "): " + describe(e)
                    + "; check --ssl-ca (the CA that signed the server's certificate)"
                    + (config.tls().mode() == TlsSettings.Mode.VERIFY_IDENTITY ? " and that the certificate names " + config.host() : "");
        }
        return "cannot connect to MySQL at " + where + " as '" + config.user() + "': " + describe(e);
    }

    private static boolean isTlsFailure(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof javax.net.ssl.SSLException || cause instanceof java.security.cert.CertificateException) {
                return true;
            }
        }
        return false;
    }

    /**
     * One line for a driver exception: its first line, plus the underlying cause where the
     * driver's own message does not say it (Connector/J's "Communications link failure"
     * leaves "Connection refused" or "connect timed out" to its cause).
     */
    public static String describe(Throwable e) {
        String message = firstLine(e.getMessage());
        Throwable root = e;
        for (int depth = 0; root.getCause() != null && root.getCause() != root && depth < 20; depth++) {
            root = root.getCause();
        }
        if (root != e && !(root instanceof SQLException) && root.getMessage() != null
                && !message.contains(firstLine(root.getMessage()))) {
            String cause = root instanceof java.net.UnknownHostException ? "unknown host " + root.getMessage()
                    : firstLine(root.getMessage());
            return message + " (" + cause + ")";
        }
        return message;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "no details";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    public static Optional<String> queryString(Connection connection, String sql, Object... parameters) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                statement.setObject(i + 1, parameters[i]);
            }
            try (ResultSet rs = statement.executeQuery()) {
                return rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.empty();
            }
        }
    }

    /** Closes every one of them, even after one fails to close; throws the last failure. */
    public static void closeAll(Iterable<Connection> connections) throws SQLException {
        SQLException failure = null;
        for (Connection connection : connections) {
            try {
                connection.close();
            } catch (SQLException e) {
                failure = e;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    public static void execute(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
