package io.transmog.engine;

import io.transmog.engine.cutover.CutOverAlgorithm;
import io.transmog.engine.db.ConnectionConfig;
import io.transmog.engine.hooks.HooksConfig;
import io.transmog.engine.throttle.Throttler;

import java.nio.file.Path;
import java.util.List;

/** Everything fixed for one migration's run; what may change while it runs lives in {@link Controls}. */
public record MigrationConfig(
        ConnectionConfig connection,
        String table,
        String alter,
        boolean execute,
        boolean approveRenamedColumns,
        boolean exactRowCount,
        boolean initiallyDropGhostTable,
        boolean initiallyDropOldTable,
        boolean okToDropTable,
        int cutOverLockTimeoutSeconds,
        int cutOverRetries,
        CutOverAlgorithm cutOverAlgorithm,
        int dmlBatchSize,
        long heartbeatIntervalMillis,
        long binlogServerId,
        long checkpointIntervalMillis,
        boolean skipChecksum,
        boolean skipMappingCheck,
        boolean discardForeignKeys,
        boolean analyzeGhostTableBeforeCutOver,
        boolean includeTriggers,
        boolean allowZeroInDate,
        boolean gtid,
        String triggerSuffix,
        boolean keepTablesOnConnectionLoss,
        boolean keepChangelogOnSuccess,
        boolean startOverIfBinlogPurged,
        String startOverAdvice,
        Path postponeCutOverFlagFile,
        HooksConfig hooks,
        Throttler.Settings throttling) {

    public static Builder builder(ConnectionConfig connection, String table, String alter) {
        return new Builder(connection, table, alter);
    }

    /** Defaults follow gh-ost's where gh-ost has the option. */
    public static final class Builder {
        private final ConnectionConfig connection;
        private final String table;
        private final String alter;
        private boolean execute;
        private boolean approveRenamedColumns;
        private boolean exactRowCount;
        private boolean initiallyDropGhostTable;
        private boolean initiallyDropOldTable;
        private boolean okToDropTable;
        private int cutOverLockTimeoutSeconds = 3;
        private int cutOverRetries = 60;
        private CutOverAlgorithm cutOverAlgorithm = CutOverAlgorithm.AUTOMATIC;
        private int dmlBatchSize = 100;
        /** Two: one INSERT ... SELECT at a time leaves the server waiting on round trips; see RowCopier. */
        private long heartbeatIntervalMillis = 100;
        private long binlogServerId;
        private long checkpointIntervalMillis = 1000;
        private boolean skipChecksum;
        private boolean skipMappingCheck;
        private boolean discardForeignKeys;
        private boolean analyzeGhostTableBeforeCutOver;
        private boolean includeTriggers;
        private boolean allowZeroInDate;
        private boolean gtid;
        private String triggerSuffix = "_ght";
        private boolean keepTablesOnConnectionLoss;
        private boolean keepChangelogOnSuccess;
        private boolean startOverIfBinlogPurged;
        private String startOverAdvice = "pass --initially-drop-ghost-table";
        private Path postponeCutOverFlagFile;
        private HooksConfig hooks = HooksConfig.none();
        private Path throttleFlagFile;
        private Path throttleAdditionalFlagFile;
        private Path panicFlagFile;
        private List<ConnectionConfig> replicas = List.of();

        private Builder(ConnectionConfig connection, String table, String alter) {
            this.connection = connection;
            this.table = table;
            this.alter = alter;
        }

        public Builder execute(boolean value) { execute = value; return this; }
        public Builder approveRenamedColumns(boolean value) { approveRenamedColumns = value; return this; }
        public Builder exactRowCount(boolean value) { exactRowCount = value; return this; }
        public Builder initiallyDropGhostTable(boolean value) { initiallyDropGhostTable = value; return this; }
        public Builder initiallyDropOldTable(boolean value) { initiallyDropOldTable = value; return this; }
        public Builder okToDropTable(boolean value) { okToDropTable = value; return this; }
        public Builder cutOverLockTimeoutSeconds(int value) { cutOverLockTimeoutSeconds = value; return this; }
        public Builder cutOverRetries(int value) { cutOverRetries = value; return this; }
        /** The best the server supports unless set (tests compare the two on MySQL); see {@link CutOverAlgorithm}. */
        public Builder cutOverAlgorithm(CutOverAlgorithm value) { cutOverAlgorithm = java.util.Objects.requireNonNull(value); return this; }
        public Builder dmlBatchSize(int value) { dmlBatchSize = value; return this; }
        public Builder heartbeatIntervalMillis(long value) { heartbeatIntervalMillis = value; return this; }
        public Builder binlogServerId(long value) { binlogServerId = value; return this; }
        public Builder checkpointIntervalMillis(long value) { checkpointIntervalMillis = value; return this; }
        public Builder skipChecksum(boolean value) { skipChecksum = value; return this; }
        public Builder skipMappingCheck(boolean value) { skipMappingCheck = value; return this; }
        public Builder discardForeignKeys(boolean value) { discardForeignKeys = value; return this; }
        public Builder analyzeGhostTableBeforeCutOver(boolean value) { analyzeGhostTableBeforeCutOver = value; return this; }
        public Builder includeTriggers(boolean value) { includeTriggers = value; return this; }
        /** gh-ost's --allow-zero-in-date: zero dates pass even where the server's sql_mode forbids them. */
        public Builder allowZeroInDate(boolean value) { allowZeroInDate = value; return this; }
        /** gh-ost's --gtid: the binlog stream and its checkpoints are positioned by GTID set, not by file and offset. */
        public Builder gtid(boolean value) { gtid = value; return this; }
        /** The triggers' names on the ghost until the swap gives them back their own. */
        public Builder triggerSuffix(String value) { triggerSuffix = value; return this; }
        /**
         * When the database becomes unreachable mid-run, keep the ghost and changelog tables (and so the last
         * checkpoint) for a later run to resume, instead of trying to drop them: for callers that retry.
         */
        public Builder keepTablesOnConnectionLoss(boolean value) { keepTablesOnConnectionLoss = value; return this; }
        /**
         * Leave the changelog table after a successful cut-over, for the caller to drop with
         * {@link Migrator#dropChangelog} once it has recorded the success: until then a rerun after a crash
         * recognises the migration as done.
         */
        public Builder keepChangelogOnSuccess(boolean value) { keepChangelogOnSuccess = value; return this; }
        /**
         * When the binlog a checkpoint resumes from was purged, drop this migration's ghost and changelog tables and
         * start over instead of failing: for callers with no person at hand to decide.
         */
        public Builder startOverIfBinlogPurged(boolean value) { startOverIfBinlogPurged = value; return this; }
        /** How the caller's user starts over when a resume is refused, e.g. the flag to pass. */
        public Builder startOverAdvice(String value) { startOverAdvice = value; return this; }
        public Builder postponeCutOverFlagFile(Path value) { postponeCutOverFlagFile = value; return this; }
        /** gh-ost's hooks: {@link HooksConfig#none()} (the default) runs none. */
        public Builder hooks(HooksConfig value) { hooks = value; return this; }
        public Builder throttleFlagFile(Path value) { throttleFlagFile = value; return this; }
        public Builder throttleAdditionalFlagFile(Path value) { throttleAdditionalFlagFile = value; return this; }
        public Builder panicFlagFile(Path value) { panicFlagFile = value; return this; }
        public Builder replicas(List<ConnectionConfig> value) { replicas = List.copyOf(value); return this; }

        public MigrationConfig build() {
            if (cutOverLockTimeoutSeconds < 1) {
                throw new MigrationException("cut-over lock timeout must be at least 1 second");
            }
            if (includeTriggers && (triggerSuffix == null || triggerSuffix.isEmpty())) {
                throw new MigrationException("--trigger-suffix must not be empty: the triggers need names of their own on the ghost"
                        + " table until the swap");
            }
            if (dmlBatchSize < 1 || dmlBatchSize > 1000) {
                throw new MigrationException("DML batch size must be between 1 and 1000, got " + dmlBatchSize);
            }
            return new MigrationConfig(connection, table, alter, execute, approveRenamedColumns, exactRowCount,
                    initiallyDropGhostTable, initiallyDropOldTable, okToDropTable, cutOverLockTimeoutSeconds,
                    cutOverRetries, cutOverAlgorithm, dmlBatchSize, heartbeatIntervalMillis, binlogServerId, checkpointIntervalMillis,
                    skipChecksum, skipMappingCheck, discardForeignKeys, analyzeGhostTableBeforeCutOver, includeTriggers,
                    allowZeroInDate, gtid,
                    triggerSuffix, keepTablesOnConnectionLoss, keepChangelogOnSuccess, startOverIfBinlogPurged, startOverAdvice, postponeCutOverFlagFile,
                    hooks, new Throttler.Settings(throttleFlagFile, throttleAdditionalFlagFile, panicFlagFile, replicas));
        }
    }
}
