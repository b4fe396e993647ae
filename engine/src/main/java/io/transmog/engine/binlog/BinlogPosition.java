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

    /**
     * Every transaction the server has written to its binlog, as a GTID set in the server's own form: MySQL's
     * gtid_executed (uuid:1-n[,...]), MariaDB's gtid_binlog_pos (domain-server-seq[,...]).
     */
    public static String currentGtidSet(Connection connection) throws SQLException {
        boolean mariaDb = io.transmog.engine.db.Database.queryString(connection, "SELECT VERSION()").orElse("").contains("MariaDB");
        String set = io.transmog.engine.db.Database.queryString(connection,
                mariaDb ? "SELECT @@GLOBAL.gtid_binlog_pos" : "SELECT @@GLOBAL.gtid_executed").orElse("");
        if (set.isBlank()) {
            throw new MigrationException("--gtid: the server has no GTID position (is gtid_mode ON on MySQL, or has MariaDB"
                    + " written no GTID yet?)");
        }
        return set.replace("\n", "").strip();
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
