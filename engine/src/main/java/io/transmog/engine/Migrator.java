package io.transmog.engine;

import io.transmog.engine.apply.Applier;
import io.transmog.engine.binlog.BinlogPosition;
import io.transmog.engine.binlog.BinlogStreamer;
import io.transmog.engine.binlog.ChangedKeys;
import io.transmog.engine.binlog.Changelog;
import io.transmog.engine.checkpoint.Checkpoint;
import io.transmog.engine.checkpoint.Checkpointer;
import io.transmog.engine.checkpoint.CrashPoints;
import io.transmog.engine.checkpoint.Resumption;
import io.transmog.engine.copy.ChunkSizer;
import io.transmog.engine.copy.RowCopier;
import io.transmog.engine.copy.StreamTuner;
import io.transmog.engine.cutover.CutOver;
import io.transmog.engine.cutover.CutOverAlgorithm;
import io.transmog.engine.cutover.GhostTriggers;
import io.transmog.engine.db.ConnectionLoss;
import io.transmog.engine.db.Database;
import io.transmog.engine.db.Retry;
import io.transmog.engine.db.ServerKind;
import io.transmog.engine.hooks.Hook;
import io.transmog.engine.hooks.HookFailure;
import io.transmog.engine.hooks.MigrationHooks;
import io.transmog.engine.inspect.Inspector;
import io.transmog.engine.inspect.MigrationPlan;
import io.transmog.engine.inspect.UniqueKey;
import io.transmog.engine.sql.AlterClauses;
import io.transmog.engine.sql.Identifiers;
import io.transmog.engine.sql.SqlBuilder;
import io.transmog.engine.sql.TableNames;
import io.transmog.engine.throttle.Throttler;
import io.transmog.engine.verify.ChecksumVerifier;
import io.transmog.engine.verify.MappingCheck;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs one migration from validation to cut-over: the loop that gives binlog changes
 * priority over copying, honours throttling and pauses, holds a postponed cut-over, and
 * on any failure or cancel drops what it created, leaving the original untouched.
 */
public final class Migrator {
    private static final Logger LOG = LoggerFactory.getLogger(Migrator.class);
    private static final int CHANGED_KEYS_CAPACITY = 100_000;
    private static final long IDLE_MILLIS = 50;
    private static final long PROGRESS_LOG_MILLIS = 5_000;
    /** Changes go first, but for at most this long between two chunks, so the copy always advances. */
    private static final long APPLY_SLICE_MILLIS = 500;
    private static final int VERIFY_PASSES = 3;
    /**
     * Rows per checksum chunk at least. The pass holds no locks and streams its rows, so its chunks need not be as small
     * as the copy's: at 1,000 rows a chunk, 1M rows took 1,000 rounds of three statements, and ten times fewer made the
     * pass 4.2 s -> 3.1 s (MariaDB 10.11). A differing chunk is re-copied whole, which is rare.
     */
    private static final int VERIFY_CHUNK_ROWS = 10_000;
    /**
     * Changed keys pending at most when a lock is about to be taken (the writers wait for the drain under it, which
     * should have only the last moments' changes left) and while the checksum pass reads on: its reads crowded out
     * the applier on a busy server, and a 10M-row pass under 2,000 writes/s (MySQL 9.7) left 82,000 keys behind,
     * which no cut-over attempt then caught up with.
     */
    private static final int SMALL_BACKLOG_KEYS = 1_000;
    /** A backlog that has not shrunk for this long will not: the applier does not keep up with the writers. */
    private static final long BACKLOG_STALL_MILLIS = 30_000;

    private final MigrationConfig config;
    private final Controls controls;
    private final StatusTracker status;
    private final Database database;
    private final TableNames names;
    private final MigrationHooks hooks;
    private volatile CompletableFuture<Void> catchUpRequest;
    /** Set by validation when an earlier run of this migration left a usable checkpoint. */
    private Optional<Checkpoint> resumeFrom = Optional.empty();
    /** Set by validation when an earlier run of this migration swapped the tables but stopped before finishing. */
    private Optional<Checkpoint> earlierSwap = Optional.empty();
    /** Set once the RENAME went through: from then on the migration has happened, whatever fails after. */
    private volatile boolean swapped;
    /** The original's triggers, when --include-triggers carries them to the new table. */
    private GhostTriggers triggers;
    private volatile boolean lostConnection;
    private long lastProgressLog;
    /** The server, read at validation: the statements that differ between servers are chosen by it. */
    private ServerKind server;
    /** The cut-over algorithm for this server, chosen at validation. */
    private CutOverAlgorithm cutOverAlgorithm;

    public Migrator(MigrationConfig config, Controls controls, StatusTracker status) {
        this.config = config;
        this.controls = controls;
        this.status = status;
        this.database = new Database(config.connection(), config.allowZeroInDate());
        this.names = TableNames.of(config.connection().database(), config.table());
        this.triggers = GhostTriggers.none(names);
        this.hooks = MigrationHooks.of(config, status);
    }

    /**
     * A command the control server has answered: runs the on-interactive-command hooks, in the background and
     * after the command took effect (gh-ost runs them first, and refuses the command when one fails).
     */
    public void interactiveCommand(String command) {
        hooks.interactiveCommand(command);
    }

    /**
     * Completes once the ghost table has everything committed to the original before
     * the call; served while the migration copies or waits for its cut-over.
     */
    public CompletableFuture<Void> catchUp() {
        CompletableFuture<Void> request = new CompletableFuture<>();
        catchUpRequest = request;
        return request;
    }

    /**
     * Runs to a terminal phase and returns the final status; failures end in phase Failed with the cause. The
     * on-success or on-failure hooks have run when it returns.
     */
    public MigrationStatus run() {
        try {
            MigrationStatus result = runToEnd();
            if (result.phase() == Phase.Succeeded || result.phase() == Phase.Validated) {
                // gh-ost tells whether the ALTER ran as instant DDL; transmog always copies.
                hooks.runNotification(Hook.SUCCESS, Map.of("GH_OST_INSTANT_DDL", "false"));
            } else {
                // Not a gh-ost variable: what its users otherwise dig out of the log.
                hooks.runNotification(Hook.FAILURE, Map.of("GH_OST_FAILURE_MESSAGE", result.message()));
            }
            return result;
        } finally {
            hooks.close();
        }
    }

    private MigrationStatus runToEnd() {
        MigrationPlan plan;
        try {
            // Like gh-ost, before anything else: a startup hook may refuse the migration outright.
            passGate(Hook.STARTUP, this::checkCancelled);
            status.phase(Phase.Validating, "checking the server, the table and the ALTER");
            plan = validate();
            passGate(Hook.VALIDATED, this::checkCancelled);
            if (config.exactRowCount()) {
                passGate(Hook.ROWCOUNT_COMPLETE, this::checkCancelled);
            }
        } catch (CancelledException e) {
            status.phase(Phase.Cancelled, "cancelled: " + e.getMessage() + "; nothing was changed");
            return status.snapshot();
        } catch (Exception e) {
            lostConnection = ConnectionLoss.causedBy(e);
            status.phase(Phase.Failed, describe(e));
            return status.snapshot();
        }
        if (!config.execute()) {
            status.phase(Phase.Validated, "dry run passed; nothing was changed");
            return status.snapshot();
        }
        if (earlierSwap.isPresent()) {
            return completeEarlierSwap(earlierSwap.get());
        }
        boolean created = false;
        try {
            if (resumeFrom.isEmpty()) {
                createTables(plan);
            }
            created = true;
            migrate(plan);
            return status.snapshot();
        } catch (Exception e) {
            if (swapped) {
                LOG.warn("table={} phase=CuttingOver error after the swap, which did happen: {}", names.original(), describe(e));
                finish();
                return status.snapshot();
            }
            return abandon(created, e);
        }
    }

    /**
     * Whether the run failed because the database could not be reached or a connection to it dropped: worth
     * running again later (with {@link MigrationConfig#keepTablesOnConnectionLoss} it then resumes).
     */
    public boolean lostConnection() {
        return lostConnection;
    }

    private MigrationStatus abandon(boolean created, Exception failure) {
        lostConnection = !(failure instanceof CancelledException) && ConnectionLoss.causedBy(failure);
        if (created && lostConnection && config.keepTablesOnConnectionLoss()) {
            status.phase(Phase.Failed, describe(failure) + "; " + names.ghost() + " and " + names.changelog()
                    + " are kept: a rerun resumes from the last checkpoint");
            return status.snapshot();
        }
        cleanUp(created);
        String outcome = created ? "; ghost and changelog tables dropped, original untouched" : "; nothing was changed";
        if (failure instanceof CancelledException) {
            status.phase(Phase.Cancelled, "cancelled: " + failure.getMessage() + outcome);
        } else {
            status.phase(Phase.Failed, describe(failure) + outcome);
        }
        return status.snapshot();
    }

    /** Runs a gate hook (see {@link Hook#gate()}); a failure of it fails the migration. */
    private void passGate(Hook hook, MigrationHooks.WhileRunning whileRunning) throws Exception {
        Optional<HookFailure> failure = hooks.run(hook, Map.of(), whileRunning);
        if (failure.isPresent()) {
            throw new MigrationException(failure.get().describe() + ": the migration stops here");
        }
    }

    private void checkCancelled() {
        String cancel = controls.cancelReason();
        if (cancel != null) {
            throw new CancelledException(cancel);
        }
    }

    private MigrationPlan validate() throws SQLException {
        Identifiers.requireValid("database", names.database());
        Identifiers.requireValid("table", names.original());
        if (names.ghost().length() > Identifiers.MAX_LENGTH) {
            throw new MigrationException("table name is too long: the ghost table " + names.ghost() + " would exceed "
                    + Identifiers.MAX_LENGTH + " characters");
        }
        AlterClauses alter = AlterClauses.parse(config.alter());
        try (Connection connection = database.connect()) {
            server = ServerKind.of(connection);
            cutOverAlgorithm = config.cutOverAlgorithm().resolve(server);
            Inspector inspector = new Inspector(connection).discardForeignKeys(config.discardForeignKeys())
                    .includeTriggers(config.includeTriggers());
            inspector.checkBinlog();
            if (config.execute()) {
                earlierSwap = Resumption.completedSwap(connection, names, alter.text());
                if (earlierSwap.isPresent()) {
                    return null;
                }
            }
            MigrationPlan plan = inspector.plan(names, alter, config.approveRenamedColumns(), config.exactRowCount());
            inspector.checkBinlogDecoding(server, plan.original());
            resumeFrom = config.initiallyDropGhostTable() ? Optional.empty()
                    : Resumption.find(connection, plan, config.startOverIfBinlogPurged(), config.startOverAdvice());
            requireFree(inspector, names.old(), config.initiallyDropOldTable(), "--initially-drop-old-table");
            if (!config.initiallyDropOldTable()) {
                CutOver.requireNoForeignSentry(connection, names);
            }
            resumeFrom.ifPresent(checkpoint -> {
                LOG.info("table={} phase=Validating resuming from the checkpoint at {}: {} rows copied{}", names.original(),
                        checkpoint.binlog(), checkpoint.rowsCopied(),
                        checkpoint.copyDone() ? ", copy complete" : " up to key " + checkpoint.copiedUpTo());
                status.resumedFrom(checkpoint.rowsCopied(), checkpoint.eventsApplied());
            });
            if (config.includeTriggers()) {
                triggers = GhostTriggers.read(connection, names, plan.ghost(), config.triggerSuffix());
            }
            status.plan(plan.describe() + checkMapping(connection, plan) + "\n"
                    + (triggers.isEmpty() ? "" : "triggers moved:   " + String.join(", ", triggers.originalNames()) + "\n"));
            status.rowsEstimated(plan.estimatedRows());
            LOG.info("table={} phase=Validating plan: key {} {}, ~{} rows, {} columns copied", names.original(),
                    plan.chunkKey().name(), plan.chunkKey().columns(), plan.estimatedRows(), plan.copiedColumns().size());
            return plan;
        }
    }

    /**
     * With --gtid: the set a resumed run's checkpoint recorded, or the server's whole set now. A checkpoint written
     * without --gtid holds no set; such a run resumes by file and offset.
     */
    private String gtidSetToStartAfter(Connection connection, Checkpoint resumed) throws SQLException {
        if (!config.gtid()) {
            return "";
        }
        if (resumed != null) {
            return resumed.gtid();
        }
        return BinlogPosition.currentGtidSet(connection, server);
    }

    /** gh-ost's --analyze-ghost-table-before-cutover: the new table starts with fresh index statistics. */
    private void analyzeGhost(Connection connection, SqlBuilder sql) throws SQLException {
        long started = System.nanoTime();
        Database.execute(connection, sql.analyzeGhost());
        LOG.info("table={} phase=AwaitingCutOver analyzed {} in {} ms", names.original(), names.ghost(),
                (System.nanoTime() - started) / 1_000_000);
    }

    /** The server's own ALTER on sample rows against the engine's copy of them; see {@link MappingCheck}. */
    private String checkMapping(Connection connection, MigrationPlan plan) throws SQLException {
        if (config.skipMappingCheck()) {
            LOG.warn("table={} phase=Validating column mapping check SKIPPED (--skip-mapping-check): a mapping mistake would"
                    + " go unnoticed, the checksum pass compares through the same mapping", names.original());
            return "column mapping check: skipped (--skip-mapping-check)";
        }
        return new MappingCheck(connection, plan, server).run().summary();
    }

    private void requireFree(Inspector inspector, String table, boolean dropAllowed, String flag) throws SQLException {
        if (!dropAllowed && inspector.tableExists(names.database(), table)) {
            throw new MigrationException("table " + Identifiers.qualified(names.database(), table)
                    + " already exists (left by an earlier migration?): drop it, or pass " + flag);
        }
    }

    private void createTables(MigrationPlan plan) throws SQLException {
        SqlBuilder sql = new SqlBuilder(plan, server);
        try (Connection connection = database.connect()) {
            if (config.initiallyDropOldTable()) {
                Database.execute(connection, SqlBuilder.dropTableIfExists(names.qualifiedOld()));
                Database.execute(connection, SqlBuilder.dropTableIfExists(names.qualifiedSentry()));
            }
            Database.execute(connection, SqlBuilder.dropTableIfExists(names.qualifiedGhost()));
            Database.execute(connection, SqlBuilder.dropTableIfExists(names.qualifiedChangelog()));
            Database.execute(connection, sql.createGhost());
            Database.execute(connection, SqlBuilder.alterTable(names.qualifiedGhost(), plan.alter()));
            Inspector inspector = new Inspector(connection);
            if (controls.copyThreads() > 1) {
                inspector.copyStreamsTakeTurns(names).ifPresent(reason -> LOG.info("table={} phase=Validating {} has an {}: chunk"
                        + " copies into it take turns on its AUTO-INC lock, so more copy streams only fill the gaps between"
                        + " statements; innodb_autoinc_lock_mode=2 (safe with binlog_format=ROW) lets them run side by side",
                        names.original(), names.ghost(), reason));
            }
            long autoIncrement = inspector.autoIncrement(names);
            if (autoIncrement > 1 && !AlterClauses.parse(plan.alter()).setsAutoIncrement()) {
                // CREATE TABLE ... LIKE resets the counter; ids freed by deletes must not be reused.
                Database.execute(connection, sql.setGhostAutoIncrement(autoIncrement));
            }
            Database.execute(connection, sql.createChangelog());
        }
        LOG.info("table={} phase=Validating created {} and {}", names.original(), names.ghost(), names.changelog());
    }

    private void migrate(MigrationPlan plan) throws Exception {
        SqlBuilder sql = new SqlBuilder(plan, server);
        ChangedKeys changedKeys = new ChangedKeys(CHANGED_KEYS_CAPACITY);
        Changelog changelog = new Changelog(database, sql);
        long serverId = config.binlogServerId() > 0 ? config.binlogServerId()
                : ThreadLocalRandom.current().nextLong(100_000_000L, 4_000_000_000L);
        ScheduledExecutorService heartbeat = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("transmog-heartbeat"));
        StreamTuner copyStreams = new StreamTuner(controls::copyThreads, System::nanoTime);
        ChunkSizer chunkSizer = new ChunkSizer(controls::chunkSize, controls::chunkTimeMillis);
        try (Connection copyConnection = database.connect();
             Connection applyConnection = database.connect();
             RowCopier copier = new RowCopier(copyConnection, database::connect, copyStreams::streams, chunkSizer, sql,
                     plan.keyColumns(), plan.ghostChunkKey().name(), resumeFrom.isPresent(), resumeFrom.map(Checkpoint::copiedUpTo).orElse(null),
                     resumeFrom.map(Checkpoint::copyDone).orElse(false), resumeFrom.map(Checkpoint::rowsCopied).orElse(0L));
             // The loop's one thread plans chunks and applies changes, so the applier asks the copier without a race.
             Applier applier = new Applier(applyConnection, database::connect, sql, changedKeys, copier::willCopy,
                     resumeFrom.map(Checkpoint::eventsApplied).orElse(0L));
             BinlogStreamer streamer = new BinlogStreamer(config.connection(), serverId, plan, changedKeys, changelog, sql.swapTables(),
                     triggers.ghostNames());
             Throttler throttler = new Throttler(controls, config.throttling(), changelog, database, names.qualifiedChangelog())
                     .start()) {
            // The stream must start before the first row is copied: every change after this position is seen.
            // A resumed run starts where its checkpoint says every earlier change is in the ghost.
            Checkpoint resumed = resumeFrom.orElse(null);
            streamer.start(resumed != null ? resumed.binlog() : BinlogPosition.current(copyConnection, server),
                    gtidSetToStartAfter(copyConnection, resumed));
            heartbeat.scheduleWithFixedDelay(() -> writeHeartbeat(changelog), 0, config.heartbeatIntervalMillis(), TimeUnit.MILLISECONDS);
            status.lagSources(changelog::lagMillis, throttler::replicaLagMillis);
            Checkpointer checkpointer = new Checkpointer(changelog, plan.alter(),
                    Resumption.ghostSchema(copyConnection, names), config.checkpointIntervalMillis(), plan.estimatedRows());
            if (resumed == null) {
                // Before anything is copied or applied: a crash from here on leaves a checkpoint to resume from.
                checkpointer.write(streamer.transactionBoundary(), streamer.transactionBoundaryGtid(), null, false, 0, 0);
            }
            // After the stream started, before the first change is applied: from here on the applier can leave the
            // keys the copy has yet to read to it.
            copier.fixRange();
            Loop loop = new Loop(streamer, throttler, changelog, changedKeys, checkpointer, applier, copier, copyStreams);
            // After the stream started, as gh-ost does; the changes it sees meanwhile are applied (Loop.runHook).
            Optional<HookFailure> refused = loop.runHook(Hook.BEFORE_ROW_COPY, Phase.Validating);
            if (refused.isPresent()) {
                throw new MigrationException(refused.get().describe() + ": the migration stops here");
            }
            hooks.startStatusReports();
            loop.copy();
            loop.runHook(Hook.ROW_COPY_COMPLETE, Phase.Copying);
            loop.awaitCutOverGo();
            if (config.skipChecksum()) {
                LOG.warn("table={} phase=AwaitingCutOver checksum verification skipped (--skip-checksum)", names.original());
            } else {
                loop.verify(new ChecksumVerifier(plan, sql, Math.max(controls.chunkSize(), VERIFY_CHUNK_ROWS)), sql);
            }
            if (config.analyzeGhostTableBeforeCutOver()) {
                analyzeGhost(copyConnection, sql);
            }
            loop.cutOver(new CutOver(database, sql, names, config.cutOverLockTimeoutSeconds(), triggers, cutOverAlgorithm));
        } finally {
            hooks.stopStatusReports();
            heartbeat.shutdownNow();
            changelog.close();
            status.streamStopped();
        }
        finish();
    }

    private void writeHeartbeat(Changelog changelog) {
        try {
            changelog.writeHeartbeat();
        } catch (Exception e) {
            LOG.warn("table={} phase={} heartbeat write failed: {}", names.original(), status.phase(), e.getMessage());
        }
    }

    /** The migration loop's state: one thread applies and copies, so they never race each other. */
    private final class Loop {
        private final BinlogStreamer streamer;
        private final Throttler throttler;
        private final Changelog changelog;
        private final ChangedKeys changedKeys;
        private final Checkpointer checkpointer;
        private final Applier applier;
        private final RowCopier copier;
        private final StreamTuner copyStreams;
        /** A checkpoint waiting for the applier to pass its boundary; see {@link #checkpointIfDue()}. */
        private CheckpointCandidate candidate;

        Loop(BinlogStreamer streamer, Throttler throttler, Changelog changelog, ChangedKeys changedKeys,
             Checkpointer checkpointer, Applier applier, RowCopier copier, StreamTuner copyStreams) {
            this.streamer = streamer;
            this.throttler = throttler;
            this.changelog = changelog;
            this.changedKeys = changedKeys;
            this.checkpointer = checkpointer;
            this.applier = applier;
            this.copier = copier;
            this.copyStreams = copyStreams;
        }

        void copy() throws Exception {
            status.phase(Phase.Copying, "copying rows and applying changes");
            copyStreams.interrupted();
            while (!copier.isDone()) {
                if (!mayWrite(Phase.Copying, copier::finishChunksUnderWay)) {
                    copyStreams.interrupted();
                    continue;
                }
                applier.applyPending(config.dmlBatchSize(), APPLY_SLICE_MILLIS);
                long started = System.nanoTime();
                // A nice ratio asks for rest between chunks: then none is copied while this thread sleeps.
                long rows = copier.copyNextChunk(controls.niceRatio() == 0);
                copyStreams.copied(rows).ifPresent(decision -> LOG.info("table={} phase=Copying {}", names.original(), decision));
                report();
                checkpointIfDue();
                serveCatchUp();
                niceSleep(controls.niceRestNanos(System.nanoTime() - started));
            }
            status.copyFinished();
            LOG.info("table={} phase=Copying row copy complete: {} rows; {} changed keys were left to the copy, which had"
                    + " yet to read them", names.original(), copier.rowsCopied(), applier.keysLeftToCopy());
            checkpoint();
        }

        /** Sleeps in short slices, so a pause or cancel lands within the promised 2 s whatever the ratio. */
        private void niceSleep(long nanos) throws InterruptedException {
            long until = System.nanoTime() + nanos;
            long left;
            while ((left = until - System.nanoTime()) > 0 && !controls.paused() && controls.cancelReason() == null) {
                LockSupport.parkNanos(Math.min(TimeUnit.MILLISECONDS.toNanos(IDLE_MILLIS), left));
                if (Thread.interrupted()) {
                    throw new InterruptedException("interrupted while resting between chunks");
                }
            }
        }

        /**
         * Runs {@code hook} while this thread goes on applying changes (unless paused or throttled, as ever) and
         * watching for a cancel, which kills the hook. {@code runningPhase} is the phase to return to after a pause.
         */
        Optional<HookFailure> runHook(Hook hook, Phase runningPhase) throws Exception {
            return hooks.run(hook, Map.of(), () -> {
                if (mayWrite(runningPhase)) {
                    applier.applyPending(config.dmlBatchSize(), APPLY_SLICE_MILLIS);
                    report();
                }
            });
        }

        /** Stays in AwaitingCutOver, applying changes, while the cut-over is postponed. */
        void awaitCutOverGo() throws Exception {
            boolean postponing = false;
            while (true) {
                Optional<String> postponedBy = postponedBy();
                if (postponedBy.isEmpty()) {
                    return;
                }
                if (!postponing) {
                    postponing = true;
                    status.phase(Phase.AwaitingCutOver, "cut-over postponed: " + postponedBy.get());
                    runHook(Hook.BEGIN_POSTPONED, Phase.AwaitingCutOver);
                }
                if (mayWrite(Phase.AwaitingCutOver)) {
                    status.phase(Phase.AwaitingCutOver, "cut-over postponed: " + postponedBy.get());
                    long applied = applier.applyPending(config.dmlBatchSize(), APPLY_SLICE_MILLIS);
                    report();
                    checkpointIfDue();
                    serveCatchUp();
                    if (applied == 0) {
                        Thread.sleep(IDLE_MILLIS);
                    }
                }
            }
        }

        /**
         * Compares original and ghost chunk by chunk in one consistent snapshot: writes to
         * the original stop (READ lock) just long enough to drain the stream and open the
         * snapshot. Mismatched chunks are re-synced and everything is compared again.
         * The pass reads its snapshots on another thread while this one goes on applying
         * changes: snapshots do not see those, and a pass that held the applier still let the
         * writers' changes pile up for its whole length (the apply lag) and then for the
         * cut-over's lock to re-sync.
         */
        void verify(ChecksumVerifier verifier, SqlBuilder sql) throws Exception {
            verifier.unverifiedColumns().forEach(column -> LOG.warn("table={} phase=AwaitingCutOver not verified by checksum: {}",
                    names.original(), column));
            if (!verifier.comparesRows()) {
                LOG.warn("table={} phase=AwaitingCutOver checksum verification impossible for this ALTER; continuing without",
                        names.original());
                return;
            }
            List<ChecksumVerifier.KeyRange> mismatched = List.of();
            for (int pass = 1; pass <= VERIFY_PASSES; pass++) {
                checkAbort();
                status.phase(Phase.AwaitingCutOver, "verifying checksums of original and ghost, pass " + pass);
                long started = System.nanoTime();
                awaitSmallBacklogBeforeLocking();
                try (Connection locker = database.connect(); Connection snapshot = database.connect();
                     Connection ghostSnapshot = database.connect()) {
                    Database.execute(locker, "SET SESSION lock_wait_timeout = " + config.cutOverLockTimeoutSeconds());
                    Database.execute(locker, sql.lockOriginalForRead());
                    try {
                        drain(config.cutOverLockTimeoutSeconds() * 1000L, Optional.empty());
                        // Both at the same point: the original is locked and nothing else writes the ghost now.
                        Database.execute(snapshot, "START TRANSACTION WITH CONSISTENT SNAPSHOT");
                        Database.execute(ghostSnapshot, "START TRANSACTION WITH CONSISTENT SNAPSHOT");
                    } finally {
                        Database.execute(locker, "UNLOCK TABLES");
                    }
                    mismatched = applyUntilDone(() -> verifier.mismatches(snapshot, ghostSnapshot, this::awaitSmallBacklog));
                    Database.execute(snapshot, "COMMIT");
                    Database.execute(ghostSnapshot, "COMMIT");
                }
                LOG.info("table={} phase=AwaitingCutOver checksum pass {}: {} rows in {} chunks compared in {} ms, {} chunks differ",
                        names.original(), pass, verifier.rowsCompared(), verifier.chunksCompared(),
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), mismatched.size());
                if (mismatched.isEmpty()) {
                    return;
                }
                LOG.warn("table={} phase=AwaitingCutOver re-copying chunks that differ: {}", names.original(),
                        mismatched.subList(0, Math.min(5, mismatched.size())));
                try (Connection connection = database.connect()) {
                    verifier.repair(connection, mismatched);
                }
            }
            throw new MigrationException("checksums of original and ghost still differ after " + VERIFY_PASSES
                    + " passes, in " + mismatched.size() + " chunk(s), first " + mismatched.get(0)
                    + "; the cut-over is not done");
        }

        /**
         * Runs {@code work} on a thread of its own and applies changes here (as throttling and pauses allow) until it
         * is done; returns its result or throws its failure. Leaving early (cancel, abort) stops the work's thread.
         */
        private <T> T applyUntilDone(Retry.SqlWork<T> work) throws Exception {
            ExecutorService worker = Executors.newSingleThreadExecutor(DaemonThreads.named("transmog-verify"));
            try {
                Future<T> result = worker.submit(work::run);
                while (!result.isDone()) {
                    if (mayWrite(Phase.AwaitingCutOver) && applier.applyPending(config.dmlBatchSize(), APPLY_SLICE_MILLIS) == 0) {
                        try {
                            result.get(IDLE_MILLIS, TimeUnit.MILLISECONDS);
                        } catch (TimeoutException notYet) {
                            // nothing to apply for now; look again
                        }
                    }
                    report();
                }
                return result.get();
            } catch (ExecutionException e) {
                if (e.getCause() instanceof Exception cause) {
                    throw cause;
                }
                throw e;
            } finally {
                worker.shutdownNow();
            }
        }

        /**
         * Attempts the cut-over until it succeeds, backing off after each failed attempt. Each attempt first runs the
         * before-cut-over hooks: one that fails holds the cut-over (nothing is locked, the attempt is counted and
         * retried after the backoff) for as long as it keeps failing; only failed lock attempts use up the retries.
         */
        void cutOver(CutOver cutOver) throws Exception {
            int failedLocks = 0;
            for (int attempt = 1; ; attempt++) {
                checkAbort();
                Optional<HookFailure> held = runHook(Hook.BEFORE_CUT_OVER, Phase.AwaitingCutOver);
                if (held.isPresent()) {
                    String why = held.get().describe() + ": cut-over held";
                    status.cutOverAttempt(attempt, why);
                    status.phase(Phase.AwaitingCutOver, why + " (attempt " + attempt + "; retried until the hook succeeds)");
                    backOff(attempt);
                    continue;
                }
                status.phase(Phase.CuttingOver, "cut-over attempt " + attempt);
                try {
                    catchUpBeforeLocking();
                    long stall = cutOver.attempt(this::drain);
                    swapped = true;
                    status.cutOverAttempt(attempt, null);
                    status.cutOverStall(stall);
                    return;
                } catch (CancelledException e) {
                    throw e;
                } catch (Exception e) {
                    String why = describe(e);
                    status.cutOverAttempt(attempt, why);
                    failedLocks++;
                    LOG.warn("table={} phase=CuttingOver attempt {} ({} of {} allowed failures) rolled back, original untouched: {}",
                            names.original(), attempt, failedLocks, config.cutOverRetries(), why);
                    if (failedLocks >= config.cutOverRetries() || streamer.failure() != null) {
                        throw new MigrationException("cut-over failed " + failedLocks + " times; last error: " + why, e);
                    }
                    backOff(attempt);
                }
            }
        }

        /** Waits before the next cut-over attempt, exponentially longer up to 10 s, applying changes meanwhile. */
        private void backOff(int attempt) throws Exception {
            long backoff = Math.min(10_000, 250L << Math.min(attempt, 6));
            long until = System.currentTimeMillis() + backoff;
            while (System.currentTimeMillis() < until) {
                checkAbort();
                if (applier.applyPending(config.dmlBatchSize(), APPLY_SLICE_MILLIS) == 0) {
                    Thread.sleep(IDLE_MILLIS);
                }
            }
        }

        /**
         * Waits for a marker written now to come back through the stream, applying
         * changes meanwhile, then applies every key still pending: afterwards the ghost
         * has everything committed before the marker. The re-syncs run on {@code via}
         * when given (the cut-over's connection, which alone can read the locked original).
         */
        private void drain(long timeoutMillis, Optional<Connection> via) throws Exception {
            awaitStream(timeoutMillis, via);
            while (changedKeys.size() > 0) {
                applyPending(via);
            }
            status.eventsApplied(applier.keysApplied());
        }

        /** Waits for a marker written now to come back through the stream, applying changes meanwhile. */
        private void awaitStream(long timeoutMillis, Optional<Connection> via) throws Exception {
            CompletableFuture<Void> marker = changelog.writeMarker();
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
            while (!marker.isDone()) {
                applyPending(via);
                if (!marker.isDone() && System.nanoTime() > deadline) {
                    throw new TimeoutException("the binlog stream did not catch up within " + timeoutMillis + " ms");
                }
                try {
                    marker.get(2, TimeUnit.MILLISECONDS);
                } catch (TimeoutException notYet) {
                    // keep applying while the marker travels
                }
            }
            marker.join();
        }

        /**
         * Before an attempt takes its locks: the stream catches up and what it brought is re-synced, so the drain under
         * the lock, which the writers wait for, has only the changes of the last moments left to re-sync.
         */
        private void catchUpBeforeLocking() throws Exception {
            workOffBacklog(Phase.CuttingOver);
            awaitStream(config.cutOverLockTimeoutSeconds() * 1000L, Optional.empty());
            applier.applyPending(config.dmlBatchSize());
        }

        /**
         * Applies changes, in slices and as throttling and pauses allow, until at most {@link #SMALL_BACKLOG_KEYS} are
         * pending; fails when the backlog stops shrinking. {@code runningPhase} is the phase to return to after a pause.
         */
        private void workOffBacklog(Phase runningPhase) throws Exception {
            int fewest = changedKeys.size();
            long shrunkAt = System.nanoTime();
            while (changedKeys.size() > SMALL_BACKLOG_KEYS) {
                if (!mayWrite(runningPhase)) {
                    shrunkAt = System.nanoTime(); // a pause or throttle is not the applier falling behind
                    continue;
                }
                applier.applyPending(config.dmlBatchSize(), APPLY_SLICE_MILLIS);
                report();
                int pending = changedKeys.size();
                if (pending < fewest) {
                    fewest = pending;
                    shrunkAt = System.nanoTime();
                } else if (System.nanoTime() - shrunkAt > TimeUnit.MILLISECONDS.toNanos(BACKLOG_STALL_MILLIS)) {
                    throw new TimeoutException(pending + " changed keys pending, none fewer for " + BACKLOG_STALL_MILLIS / 1000
                            + " s: the applier does not keep up with the writes");
                }
            }
        }

        /**
         * Before the checksum pass locks the original for READ: the backlog is worked off first, for as long as that
         * takes (a pass cannot be skipped; the backlog's size is in the progress lines).
         */
        private void awaitSmallBacklogBeforeLocking() throws Exception {
            while (true) {
                try {
                    workOffBacklog(Phase.AwaitingCutOver);
                    return;
                } catch (TimeoutException stalled) {
                    LOG.warn("table={} phase=AwaitingCutOver checksum pass waits for the backlog: {}", names.original(),
                            stalled.getMessage());
                }
            }
        }

        /** Holds the checksum pass's thread while the applier, on this one, works off a backlog. */
        private void awaitSmallBacklog() throws InterruptedException {
            while (changedKeys.size() > SMALL_BACKLOG_KEYS) {
                Thread.sleep(IDLE_MILLIS);
            }
        }

        /** Under a lock ({@code via} given) every pending key at once; otherwise a slice, so cancels land. */
        private void applyPending(Optional<Connection> via) throws SQLException {
            if (via.isPresent()) {
                applier.applyPendingOn(via.get(), config.dmlBatchSize());
            } else {
                applier.applyPending(config.dmlBatchSize(), APPLY_SLICE_MILLIS);
            }
        }

        /**
         * A checkpoint is consistent only if every change before its binlog position is in
         * the ghost: take the last transaction boundary the stream passed; the keys pending
         * then include all keys of events up to it, and they are the oldest pending, so once
         * that many more keys have been applied the boundary is consistent. Until then the
         * boundary waits as a candidate while the loop goes on: applying the whole backlog
         * right away, as before, held the copy still for as long as the backlog took under a
         * write storm (seconds per checkpoint, one every second), against the loop's promise
         * that the copy always advances. The checkpoint then pairs that boundary with the
         * copy's progress at the time it is written: a resumed stream replays every change
         * since the boundary, and re-syncs read rows afresh, so an older boundary is safe.
         */
        private void checkpointIfDue() throws SQLException {
            if (candidate == null && checkpointer.due(copier.rowsCopied())) {
                String gtid = streamer.transactionBoundaryGtid();
                BinlogPosition boundary = streamer.transactionBoundary();
                // Counted in keys taken, not re-synced: keys left to the copy would keep a re-sync count short of it.
                candidate = new CheckpointCandidate(boundary, gtid, applier.keysTaken() + changedKeys.size());
            }
            if (candidate != null && applier.keysTaken() >= candidate.takenMark()) {
                CrashPoints.reached(CrashPoints.CHECKPOINT);
                checkpointer.write(candidate.boundary(), candidate.gtid(), copier.copiedUpTo(), copier.isDone(),
                        copier.rowsCopied(), applier.keysApplied());
                candidate = null;
            }
        }

        /** A checkpoint now, applying every pending key first: at the end of the copy. */
        private void checkpoint() throws SQLException {
            String gtid = streamer.transactionBoundaryGtid();
            BinlogPosition boundary = streamer.transactionBoundary();
            applier.applyPending(config.dmlBatchSize());
            CrashPoints.reached(CrashPoints.CHECKPOINT);
            checkpointer.write(boundary, gtid, copier.copiedUpTo(), copier.isDone(), copier.rowsCopied(), applier.keysApplied());
            candidate = null;
        }

        private void serveCatchUp() throws Exception {
            CompletableFuture<Void> request = catchUpRequest;
            if (request != null) {
                catchUpRequest = null;
                drain(30_000, Optional.empty());
                request.complete(null);
            }
        }

        /** Checks abort conditions, then throttling; false (after a short wait) when writing must wait. */
        private boolean mayWrite(Phase runningPhase) throws Exception {
            return mayWrite(runningPhase, () -> 0L);
        }

        /**
         * As {@link #mayWrite(Phase)}, running {@code beforeHold} first when writing must wait: the copy lets its chunks
         * under way commit there, so that a pause, once reported, writes nothing more to the ghost.
         */
        private boolean mayWrite(Phase runningPhase, Retry.SqlWork<Long> beforeHold) throws Exception {
            checkAbort();
            Optional<String> reason = throttler.throttleReason();
            if (reason.isPresent()) {
                beforeHold.run();
                // The rows those chunks copied count before the hold is reported: a paused status then holds still
                // (listeners, as the runner's status patch, read the snapshot the phase change carries).
                status.rowsCopied(copier.rowsCopied());
            }
            status.throttled(reason.orElse(null));
            if (reason.isEmpty()) {
                if (status.phase() == Phase.Paused) {
                    status.phase(runningPhase, "resumed");
                }
                return true;
            }
            if (controls.paused()) {
                status.phase(Phase.Paused, "paused; binlog position held, nothing written to the ghost table");
            }
            // Stream lag alone must not stop the applier: a full key buffer stalls the stream,
            // whose heartbeats then age, and only applying can empty the buffer again.
            if (throttler.onlyStreamLagging() && applier.applyPending(config.dmlBatchSize(), APPLY_SLICE_MILLIS) > 0) {
                report();
                return false;
            }
            report();
            Thread.sleep(IDLE_MILLIS);
            return false;
        }

        private void checkAbort() throws SQLException {
            String cancel = controls.cancelReason();
            if (cancel != null) {
                throw new CancelledException(cancel);
            }
            if (streamer.failure() != null) {
                throw new MigrationException(streamer.failure().getMessage(), streamer.failure());
            }
            throttler.checkAbort();
        }

        private void report() {
            status.rowsCopied(copier.rowsCopied());
            status.eventsApplied(applier.keysApplied());
            long now = System.currentTimeMillis();
            if (now - lastProgressLog >= PROGRESS_LOG_MILLIS) {
                lastProgressLog = now;
                MigrationStatus s = status.snapshot();
                LOG.info("table={} phase={} copied={}/{} ({}%) rows/s={} eta={}s applied={} pending={} lag={}ms{}{}",
                        names.original(), s.phase(), s.rowsCopied(), s.rowsEstimated(), s.percent(), s.rowsPerSecond(),
                        s.etaSeconds(), s.eventsApplied(), changedKeys.size(), s.lagMillis(),
                        copier.isDone() ? "" : " chunk=" + copier.chunkRows() + " streams=" + copyStreams.streams(),
                        s.throttled() ? " throttled: " + s.throttleReason() : "");
            }
        }
    }

    private Optional<String> postponedBy() {
        if (controls.postponeCutOver()) {
            return Optional.of("postponed by request");
        }
        if (config.postponeCutOverFlagFile() != null && Files.exists(config.postponeCutOverFlagFile())) {
            return Optional.of("flag file " + config.postponeCutOverFlagFile() + " exists");
        }
        return Optional.empty();
    }

    private void finish() {
        finish("writes stalled " + status.snapshot().cutOverStallMillis() + " ms at cut-over");
    }

    /**
     * The changelog goes last: while it exists, a rerun after a crash here recognises the swap
     * as done ({@link Resumption#completedSwap}) instead of failing to re-apply the ALTER.
     */
    private void finish(String cutOverOutcome) {
        try (Connection connection = database.connect()) {
            if (config.okToDropTable()) {
                // Dropping a large table can take seconds: say what the run is doing meanwhile.
                status.phase(Phase.CuttingOver, "swapped (" + cutOverOutcome + "); dropping the old table " + names.old());
                Database.execute(connection, SqlBuilder.dropTableIfExists(names.qualifiedOld()));
            }
            CrashPoints.reached(CrashPoints.FINISHING);
            if (!config.keepChangelogOnSuccess()) {
                Database.execute(connection, SqlBuilder.dropTableIfExists(names.qualifiedChangelog()));
            }
        } catch (Exception e) {
            LOG.warn("table={} phase=Succeeded cleanup after the swap failed: {}", names.original(), e.getMessage());
        }
        MigrationStatus s = status.snapshot();
        status.phase(Phase.Succeeded, "migrated: " + s.rowsCopied() + " rows copied, " + s.eventsApplied()
                + " changed keys applied, " + cutOverOutcome + "; original kept as "
                + (config.okToDropTable() ? "nothing (dropped)" : names.old()));
    }

    /** Drops the changelog table a successful run kept ({@link MigrationConfig#keepChangelogOnSuccess}). */
    public static void dropChangelog(MigrationConfig config) {
        TableNames names = TableNames.of(config.connection().database(), config.table());
        try (Connection connection = new Database(config.connection(), config.allowZeroInDate()).connect()) {
            Database.execute(connection, SqlBuilder.dropTableIfExists(names.qualifiedChangelog()));
        } catch (SQLException e) {
            throw new MigrationException("cannot drop " + names.qualifiedChangelog() + ": " + e.getMessage(), e);
        }
    }

    /** The tables were swapped by an earlier run that stopped before it finished: finish its clean-up. */
    private MigrationStatus completeEarlierSwap(Checkpoint checkpoint) {
        LOG.info("table={} phase=CuttingOver an earlier run of this migration swapped the tables before it stopped:"
                + " finishing its clean-up", names.original());
        swapped = true;
        status.rowsEstimated(checkpoint.rowsCopied());
        status.rowsCopied(checkpoint.rowsCopied());
        status.eventsApplied(checkpoint.eventsApplied());
        try (Connection connection = database.connect()) {
            CutOver.nameSwappedOriginalAsOld(connection, names);
        } catch (Exception e) {
            LOG.warn("table={} phase=CuttingOver the original stays named {}: {}", names.original(), names.sentry(),
                    e.getMessage());
        }
        finish("cut over by an earlier run, which stopped before it could finish");
        return status.snapshot();
    }

    /** Drops what this run created; never touches the original. */
    private void cleanUp(boolean created) {
        if (!created) {
            return;
        }
        try (Connection connection = database.connect()) {
            Database.execute(connection, SqlBuilder.dropTableIfExists(names.qualifiedGhost()));
            Database.execute(connection, SqlBuilder.dropTableIfExists(names.qualifiedChangelog()));
            LOG.info("table={} phase={} dropped {} and {}", names.original(), status.phase(), names.ghost(), names.changelog());
        } catch (Exception e) {
            LOG.error("table={} phase={} could not drop {} / {}: {}; drop them by hand", names.original(), status.phase(),
                    names.ghost(), names.changelog(), e.getMessage());
        }
    }

    private static String describe(Throwable e) {
        if (e instanceof MigrationException || e instanceof TimeoutException) {
            return e.getMessage();
        }
        if (e instanceof SQLException sql) {
            // Error 0 is the driver's own (a lost connection): its message runs over several lines.
            return sql.getErrorCode() == 0 ? "MySQL connection failed: " + Database.describe(sql)
                    : "MySQL error " + sql.getErrorCode() + ": " + sql.getMessage();
        }
        return e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    /**
     * A binlog boundary whose changes are all in the ghost, or left to the copy, once the applier has taken
     * {@code takenMark} keys.
     */
    private record CheckpointCandidate(BinlogPosition boundary, String gtid, long takenMark) {
    }

    /** The migration was asked to stop: clean up and end in Cancelled. */
    static final class CancelledException extends RuntimeException {
        CancelledException(String reason) {
            super(reason);
        }
    }
}
