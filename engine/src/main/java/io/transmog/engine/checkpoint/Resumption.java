package io.transmog.engine.checkpoint;

import io.transmog.engine.MigrationException;
import io.transmog.engine.binlog.Changelog;
import io.transmog.engine.db.Database;
import io.transmog.engine.inspect.MigrationPlan;
import io.transmog.engine.sql.Identifiers;
import io.transmog.engine.sql.TableNames;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Decides whether the ghost and changelog tables a previous run left can be resumed:
 * same ALTER, ghost table as the checkpoint saw it, and the binlog since the checkpoint
 * still on the server. Anything else is refused with the reason and the way out.
 */
public final class Resumption {
    private static final Logger LOG = LoggerFactory.getLogger(Resumption.class);
    private Resumption() {
    }

    /**
     * The checkpoint to resume from, or empty when there is nothing worth resuming (no
     * leftovers, or leftovers of a run that stopped before its first checkpoint, or, if
     * {@code startOverIfBinlogPurged}, a checkpoint whose binlog is gone).
     *
     * @param startOverAdvice how to start over instead, said in every refusal
     */
    public static Optional<Checkpoint> find(Connection connection, MigrationPlan plan, boolean startOverIfBinlogPurged,
                                            String startOverAdvice) throws SQLException {
        String startOver = "; to start over, " + startOverAdvice;
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
                    + " with a checkpoint to resume from" + startOver);
        }
        Checkpoint checkpoint = Checkpoint.fromJson(stored.get());
        if (!checkpoint.alter().equals(plan.alter())) {
            throw new MigrationException("the ghost table was left by a migration with another ALTER (\"" + checkpoint.alter()
                    + "\")" + startOver);
        }
        String ghostNow = ghostSchema(connection, names);
        if (!ghostNow.equals(checkpoint.ghostSchema())) {
            throw new MigrationException("the ghost table " + names.qualifiedGhost()
                    + " was changed since the checkpoint (its definition differs), so its rows cannot be trusted" + startOver);
        }
        if (!ghostNow.equals(normalize(plan.ghost().createStatement()))) {
            throw new MigrationException("the ALTER applied to " + names.qualifiedOriginal()
                    + " today no longer gives the ghost table's definition: was the original changed?" + startOver);
        }
        if (!binlogExists(connection, checkpoint.binlog().file())) {
            if (startOverIfBinlogPurged) {
                LOG.warn("table={} phase=Validating binary log {}, where the checkpoint resumes, was purged: starting over"
                        + " (the ghost table is copied again from scratch)", names.original(), checkpoint.binlog().file());
                return Optional.empty();
            }
            throw new MigrationException("binary log " + checkpoint.binlog().file() + ", where the checkpoint resumes, is no longer"
                    + " on the server (purged?), so changes since " + checkpoint.binlog() + " are lost to the migration" + startOver);
        }
        return Optional.of(checkpoint);
    }

    /**
     * The checkpoint of an earlier run of this ALTER that had already swapped the tables when
     * it stopped (the changelog is dropped last, so it outlives the swap), or empty. Checked
     * before the ALTER is validated, which would fail on the already-altered table.
     * Recognised by: no ghost table, a changelog whose checkpoint has this ALTER, and the
     * table's definition equal to the ghost's definition that checkpoint recorded.
     */
    public static Optional<Checkpoint> completedSwap(Connection connection, TableNames names, String alter)
            throws SQLException {
        if (exists(connection, names.database(), names.ghost()) || !exists(connection, names.database(), names.changelog())) {
            return Optional.empty();
        }
        Optional<String> stored = Database.queryString(connection, "SELECT `value` FROM " + names.qualifiedChangelog()
                + " WHERE `hint` = ?", Changelog.CHECKPOINT);
        if (stored.isEmpty()) {
            return Optional.empty();
        }
        Checkpoint checkpoint = Checkpoint.fromJson(stored.get());
        if (!checkpoint.alter().equals(alter)) {
            return Optional.empty();
        }
        String tableNow = showCreate(connection, names.qualifiedOriginal()).replaceFirst(
                "^CREATE TABLE " + Pattern.quote(Identifiers.quote(names.original())),
                Matcher.quoteReplacement("CREATE TABLE " + Identifiers.quote(names.ghost())));
        return tableNow.equals(checkpoint.ghostSchema()) ? Optional.of(checkpoint) : Optional.empty();
    }

    /** The ghost's definition, comparable across runs: no AUTO_INCREMENT counter, no TEMPORARY. */
    public static String ghostSchema(Connection connection, TableNames names) throws SQLException {
        return showCreate(connection, names.qualifiedGhost());
    }

    private static String showCreate(Connection connection, String qualifiedTable) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SHOW CREATE TABLE " + qualifiedTable)) {
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
