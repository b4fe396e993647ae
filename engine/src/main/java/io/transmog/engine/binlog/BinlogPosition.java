package io.transmog.engine.binlog;

import io.transmog.engine.MigrationException;
import io.transmog.engine.db.ServerKind;
import io.transmog.engine.sql.SqlBuilder;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** A file:position coordinate in the server's binary log. */
public record BinlogPosition(String file, long position) {
    /** The server's current write position, asked in the words this server knows ({@link SqlBuilder#binlogStatus}). */
    public static BinlogPosition current(Connection connection, ServerKind server) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery(SqlBuilder.binlogStatus(server))) {
            if (!rs.next()) {
                throw new MigrationException("the server reports no binary log position: is log_bin on, and does the user have "
                        + (server.isMySql() ? "REPLICATION CLIENT" : "BINLOG MONITOR") + "?");
            }
            return new BinlogPosition(rs.getString(1), rs.getLong(2));
        }
    }

    /**
     * Every transaction the server has written to its binlog, as a GTID set in the server's own form: MySQL's
     * gtid_executed (uuid:1-n[,...]), MariaDB's gtid_binlog_pos (domain-server-seq[,...]).
     */
    public static String currentGtidSet(Connection connection, ServerKind server) throws SQLException {
        String set = io.transmog.engine.db.Database.queryString(connection, SqlBuilder.gtidSet(server)).orElse("");
        if (set.isBlank()) {
            throw new MigrationException("--gtid: the server has no GTID position (is gtid_mode ON on MySQL, or has MariaDB"
                    + " written no GTID yet?)");
        }
        return set.replace("\n", "").strip();
    }

    @Override
    public String toString() {
        return file + ":" + position;
    }
}
