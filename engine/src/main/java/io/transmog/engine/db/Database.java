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
 * UTC session time zone (TIMESTAMP and DATETIME literals mean what they say), strict
 * sql_mode (a truncated value is an error, not a warning), and zero values kept as
 * they are (NO_AUTO_VALUE_ON_ZERO; no NO_ZERO_DATE, so tables with zero dates copy).
 */
public final class Database {
    static final String SESSION_SQL_MODE = "STRICT_ALL_TABLES,NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION";

    private final ConnectionConfig config;

    public Database(ConnectionConfig config) {
        this.config = config;
    }

    public ConnectionConfig config() {
        return config;
    }

    public Connection connect() {
        Properties properties = new Properties();
        properties.setProperty("user", config.user());
        if (config.password() != null) {
            properties.setProperty("password", config.password());
        }
        properties.setProperty("connectTimeout", "5000");
        properties.setProperty("allowMultiQueries", "false");
        properties.setProperty("tcpKeepAlive", "true");
        String url = "jdbc:mariadb://" + config.host() + ":" + config.port() + "/";
        try {
            Connection connection = DriverManager.getConnection(url, properties);
            try (Statement statement = connection.createStatement()) {
                statement.execute("SET SESSION time_zone = '+00:00', sql_mode = '" + SESSION_SQL_MODE + "', "
                        + "innodb_lock_wait_timeout = 10, max_error_count = 65535");
            }
            return connection;
        } catch (SQLException e) {
            String message = describeConnectFailure(e);
            throw ConnectionLoss.isConnectionError(e) ? new ConnectionLoss(message, e) : new MigrationException(message, e);
        }
    }

    private String describeConnectFailure(SQLException e) {
        String where = config.host() + ":" + config.port();
        if (e.getErrorCode() == 1045) {
            return "access denied for user '" + config.user() + "' at " + where + ": check the user name and password";
        }
        return "cannot connect to MySQL at " + where + " as '" + config.user() + "': " + firstLine(e.getMessage());
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

    public static void execute(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
