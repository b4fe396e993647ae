package io.transmog.engine.cutover;

import io.transmog.engine.MigrationException;
import io.transmog.engine.db.Database;
import io.transmog.engine.inspect.TableSchema;
import io.transmog.engine.sql.Identifiers;
import io.transmog.engine.sql.SqlBuilder;
import io.transmog.engine.sql.TableNames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The original's triggers, carried to the new table (gh-ost's --include-triggers). They must fire exactly once per
 * write: on the original while it takes writes, never on the ghost while the copy and the re-sync fill it (the rows
 * there are already what the triggers made of them). So they are created on the ghost, under suffixed names (trigger
 * names are unique per schema), only at the cut-over, once the original is locked and the stream drained, and dropped
 * from it again if that attempt rolls back. After the swap they are given their original names back under a brief
 * WRITE lock of the new table, so no write sees both or neither.
 */
public final class GhostTriggers {
    private static final Logger LOG = LoggerFactory.getLogger(GhostTriggers.class);
    private static final Pattern ROW_REFERENCE = Pattern.compile("\\b(NEW|OLD)\\s*\\.\\s*(`(?:[^`]|``)+`|[\\w$]+)",
            Pattern.CASE_INSENSITIVE);

    /** One trigger of the original as information_schema describes it. */
    public record Trigger(String name, String timing, String event, String statement, String sqlMode) {
    }

    private final TableNames names;
    private final List<Trigger> triggers;
    private final String suffix;

    private GhostTriggers(TableNames names, List<Trigger> triggers, String suffix) {
        this.names = names;
        this.triggers = List.copyOf(triggers);
        this.suffix = suffix;
    }

    public static GhostTriggers none(TableNames names) {
        return new GhostTriggers(names, List.of(), "");
    }

    /**
     * Reads the original's triggers and checks each can live on the altered table: every NEW.x and OLD.x it names
     * must be a column there (a dropped or renamed column would break every write after the swap).
     */
    public static GhostTriggers read(Connection connection, TableNames names, TableSchema altered, String suffix)
            throws SQLException {
        List<Trigger> triggers = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(SqlBuilder.readTriggers())) {
            statement.setString(1, names.database());
            statement.setString(2, names.original());
            try (ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    triggers.add(new Trigger(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5)));
                }
            }
        }
        for (Trigger trigger : triggers) {
            requireColumnsExist(trigger, altered);
            String ghostName = trigger.name() + suffix;
            Identifiers.requireValid("trigger name with --trigger-suffix", ghostName);
        }
        return new GhostTriggers(names, triggers, suffix);
    }

    private static void requireColumnsExist(Trigger trigger, TableSchema altered) {
        Matcher reference = ROW_REFERENCE.matcher(trigger.statement());
        while (reference.find()) {
            String column = reference.group(2);
            if (column.startsWith("`")) {
                column = column.substring(1, column.length() - 1).replace("``", "`");
            }
            if (altered.column(column).isEmpty()) {
                throw new MigrationException("trigger " + Identifiers.quote(trigger.name()) + " uses "
                        + reference.group(1).toUpperCase(Locale.ROOT) + "." + Identifiers.quote(column)
                        + ", a column the altered table does not have: change the trigger first, or the ALTER");
            }
        }
    }

    public boolean isEmpty() {
        return triggers.isEmpty();
    }

    public List<String> originalNames() {
        return triggers.stream().map(Trigger::name).toList();
    }

    /** The names the triggers have on the ghost until the swap; the binlog stream knows them as ours. */
    public Set<String> ghostNames() {
        return triggers.stream().map(t -> t.name() + suffix).collect(Collectors.toUnmodifiableSet());
    }

    /** At the cut-over, with the original locked and the stream drained: nothing writes to the ghost any more. */
    void createOnGhost(Connection connection) throws SQLException {
        for (Trigger trigger : triggers) {
            create(connection, trigger, trigger.name() + suffix, names.qualifiedGhost());
        }
        if (!triggers.isEmpty()) {
            LOG.info("table={} phase=CuttingOver created {} trigger(s) on {}", names.original(), triggers.size(), names.ghost());
        }
    }

    /** A rolled-back attempt: before writers resume, or the applier's writes to the ghost would fire them again. */
    void dropFromGhost(Connection connection) throws SQLException {
        for (Trigger trigger : triggers) {
            Database.execute(connection, SqlBuilder.dropTriggerIfExists(Identifiers.qualified(names.database(), trigger.name() + suffix)));
        }
    }

    /**
     * After the swap: the new table carries the suffixed triggers, the old one the originals. Under a WRITE lock of
     * both, the old table's are dropped and the new table's renamed (created under the original name, suffixed one
     * dropped), so every write fires each trigger exactly once.
     */
    void restoreNames(Connection connection, int lockTimeoutSeconds) throws SQLException {
        if (triggers.isEmpty()) {
            return;
        }
        Database.execute(connection, "SET SESSION lock_wait_timeout = " + lockTimeoutSeconds);
        Database.execute(connection, SqlBuilder.lockTablesWrite(List.of(names.qualifiedOriginal(), names.qualifiedOld())));
        try {
            for (Trigger trigger : triggers) {
                Database.execute(connection, SqlBuilder.dropTriggerIfExists(Identifiers.qualified(names.database(), trigger.name())));
                create(connection, trigger, trigger.name(), names.qualifiedOriginal());
                Database.execute(connection, SqlBuilder.dropTriggerIfExists(
                        Identifiers.qualified(names.database(), trigger.name() + suffix)));
            }
        } finally {
            Database.execute(connection, "UNLOCK TABLES");
        }
        LOG.info("table={} phase=CuttingOver triggers {} now on the new table under their own names", names.original(),
                originalNames());
    }

    /** Under the trigger's own sql_mode, which decides how its body behaves. */
    private void create(Connection connection, Trigger trigger, String name, String qualifiedTable) throws SQLException {
        String mode = Database.queryString(connection, SqlBuilder.SESSION_SQL_MODE).orElse("");
        try {
            setSqlMode(connection, trigger.sqlMode());
            Database.execute(connection, SqlBuilder.createTrigger(Identifiers.qualified(names.database(), name),
                    trigger.timing(), trigger.event(), qualifiedTable, trigger.statement()));
        } finally {
            setSqlMode(connection, mode);
        }
    }

    private static void setSqlMode(Connection connection, String mode) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(SqlBuilder.SET_SESSION_SQL_MODE)) {
            statement.setString(1, mode);
            statement.execute();
        }
    }
}
