package io.transmog.engine.checkpoint;

import io.transmog.engine.MigrationException;
import io.transmog.engine.binlog.Changelog;
import io.transmog.engine.db.Database;
import io.transmog.engine.inspect.MigrationPlan;
import io.transmog.engine.sql.TableNames;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;

/**
 * Decides whether the ghost and changelog tables a previous run left can be resumed:
 * same ALTER, ghost table as the checkpoint saw it, and the binlog since the checkpoint
 * still on the server. Anything else is refused with the reason and the way out.
 */
public final class Resumption {
    private static final String START_OVER = "; to start over, pass --initially-drop-ghost-table";

    private Resumption() {
    }

    /**
     * The checkpoint to resume from, or empty when there is nothing worth resuming (no
     * leftovers, or leftovers of a run that stopped before its first checkpoint).
     */
    public static Optional<Checkpoint> find(Connection connection, MigrationPlan plan) throws SQLException {
        TableNames names = plan.names();
        boolean ghost = exists(connection, names.database(), names.ghost());
        boolean changelog = exists(connection, names.database(), names.changelog());
        if (!ghost && !changelog) {
            return Optional.empty();
        }
        if (!ghost) {
            throw new MigrationException("changelog table " + names.qualifiedChangelog() + " exists without a ghost table:"
                    + " an earlier migration may have cut over already; check " + names.qualifiedOriginal() + " and drop "
                    + names.changelog());
        }
        Optional<String> stored = changelog ? Database.queryString(connection, "SELECT `value` FROM "
                + names.qualifiedChangelog() + " WHERE `hint` = ?", Changelog.CHECKPOINT) : Optional.empty();
        if (stored.isEmpty() && changelog) {
            // Every run writes a checkpoint before it copies or applies anything: without
            // one, the previous run stopped before touching the ghost's rows.
            return Optional.empty();
        }
        if (stored.isEmpty()) {
            throw new MigrationException("ghost table " + names.qualifiedGhost() + " exists but there is no changelog table"
                    + " with a checkpoint to resume from" + START_OVER);
        }
        Checkpoint checkpoint = Checkpoint.fromJson(stored.get());
        if (!checkpoint.alter().equals(plan.alter())) {
            throw new MigrationException("the ghost table was left by a migration with another ALTER (\"" + checkpoint.alter()
                    + "\")" + START_OVER);
        }
        String ghostNow = ghostSchema(connection, names);
        if (!ghostNow.equals(checkpoint.ghostSchema())) {
            throw new MigrationException("the ghost table " + names.qualifiedGhost()
                    + " was changed since the checkpoint (its definition differs), so its rows cannot be trusted" + START_OVER);
        }
        if (!ghostNow.equals(normalize(plan.ghost().createStatement()))) {
            throw new MigrationException("the ALTER applied to " + names.qualifiedOriginal()
                    + " today no longer gives the ghost table's definition: was the original changed?" + START_OVER);
        }
        if (!binlogExists(connection, checkpoint.binlog().file())) {
            throw new MigrationException("binary log " + checkpoint.binlog().file() + ", where the checkpoint resumes, is no longer"
                    + " on the server (purged?), so changes since " + checkpoint.binlog() + " are lost to the migration" + START_OVER);
        }
        return Optional.of(checkpoint);
    }

    /** The ghost's definition, comparable across runs: no AUTO_INCREMENT counter, no TEMPORARY. */
    public static String ghostSchema(Connection connection, TableNames names) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SHOW CREATE TABLE " + names.qualifiedGhost())) {
            rs.next();
            return normalize(rs.getString(2));
        }
    }

    static String normalize(String createStatement) {
        return createStatement.replaceFirst("^CREATE TEMPORARY TABLE", "CREATE TABLE").replaceAll(" AUTO_INCREMENT=\\d+", "");
    }

    private static boolean exists(Connection connection, String database, String table) throws SQLException {
        return Database.queryString(connection,
                "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?", database, table).isPresent();
    }

    private static boolean binlogExists(Connection connection, String file) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery("SHOW BINARY LOGS")) {
            while (rs.next()) {
                if (rs.getString(1).equals(file)) {
                    return true;
                }
            }
            return false;
        }
    }
}
