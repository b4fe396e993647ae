package io.transmog.engine.hooks;

import io.transmog.engine.MigrationStatus;
import io.transmog.engine.sql.TableNames;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code GH_OST_*} variables every hook gets, named and formatted as gh-ost sets them (seconds and lags as
 * decimals with six places, booleans as {@code true}/{@code false}), so hook scripts written for gh-ost read them
 * unchanged. Where transmog has no exact counterpart the nearest figure is used: the inspected lag is the largest
 * lag of the throttle-control replicas (0 without any), the heartbeat lag the binlog stream's lag, and hosts are
 * the ones the migration connects to. {@code GH_OST_ETA_SECONDS} is -1 while the ETA is unknown.
 */
public record HookEnvironment(TableNames names, String ddl, boolean dryRun, String migratedHost, String executingHost,
                              HooksConfig config) {

    /** The variables for a hook run now, given the migration's status and clocks. */
    public Map<String, String> variables(MigrationStatus status, double elapsedSeconds, double copySeconds) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("GH_OST_DATABASE_NAME", names.database());
        env.put("GH_OST_TABLE_NAME", names.original());
        env.put("GH_OST_GHOST_TABLE_NAME", names.ghost());
        env.put("GH_OST_OLD_TABLE_NAME", names.old());
        env.put("GH_OST_DDL", ddl);
        env.put("GH_OST_ELAPSED_SECONDS", decimal(elapsedSeconds));
        env.put("GH_OST_ELAPSED_COPY_SECONDS", decimal(copySeconds));
        env.put("GH_OST_ESTIMATED_ROWS", Long.toString(status.rowsEstimated()));
        env.put("GH_OST_COPIED_ROWS", Long.toString(status.rowsCopied()));
        env.put("GH_OST_MIGRATED_HOST", migratedHost);
        // transmog reads the schema and the binlog from the server it migrates: gh-ost's inspected host is that one.
        env.put("GH_OST_INSPECTED_HOST", migratedHost);
        env.put("GH_OST_EXECUTING_HOST", executingHost);
        env.put("GH_OST_INSPECTED_LAG", decimal(status.replicaLagMillis() / 1000.0));
        env.put("GH_OST_HEARTBEAT_LAG", decimal(status.lagMillis() / 1000.0));
        env.put("GH_OST_PROGRESS", decimal(status.percent()));
        env.put("GH_OST_ETA_SECONDS", Long.toString(status.etaSeconds() == null ? -1 : status.etaSeconds()));
        env.put("GH_OST_HOOKS_HINT", config.hint());
        env.put("GH_OST_HOOKS_HINT_OWNER", config.hintOwner());
        env.put("GH_OST_HOOKS_HINT_TOKEN", config.hintToken());
        env.put("GH_OST_DRY_RUN", Boolean.toString(dryRun));
        env.put("GH_OST_REVERT", "false");
        return env;
    }

    /** gh-ost's {@code %f}. */
    private static String decimal(double value) {
        return String.format(Locale.ROOT, "%f", value);
    }

    /**
     * gh-ost wraps the values of {@code GH_OST_STATUS} and {@code GH_OST_COMMAND} in single quotes (meant for a shell
     * that never sees them), and hook scripts written for it strip them: kept for them.
     */
    public static String quoted(String value) {
        return "'" + value + "'";
    }
}
