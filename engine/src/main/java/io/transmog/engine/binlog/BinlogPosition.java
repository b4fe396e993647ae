package io.transmog.engine.binlog;

import io.transmog.engine.MigrationException;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** A file:position coordinate in the server's binary log. */
public record BinlogPosition(String file, long position) {
    /** The server's current write position: SHOW MASTER STATUS, or its MySQL 8.4 name. */
    public static BinlogPosition current(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet rs = masterStatus(statement)) {
            if (!rs.next()) {
                throw new MigrationException("the server reports no binary log position: is log_bin on, and does the user have REPLICATION CLIENT (BINLOG MONITOR)?");
            }
            return new BinlogPosition(rs.getString(1), rs.getLong(2));
        }
    }

    private static ResultSet masterStatus(Statement statement) throws SQLException {
        try {
            return statement.executeQuery("SHOW MASTER STATUS");
        } catch (SQLException e) {
            return statement.executeQuery("SHOW BINARY LOG STATUS");
        }
    }

    @Override
    public String toString() {
        return file + ":" + position;
    }
}
