package io.transmog.operator.runner;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.transmog.engine.Controls;
import io.transmog.engine.MigrationConfig;
import io.transmog.engine.MigrationStatus;
import io.transmog.engine.Migrator;
import io.transmog.engine.StatusTracker;
import io.transmog.engine.sql.TableNames;
import io.transmog.operator.model.Phase;
import io.transmog.operator.model.SchemaMigration;
import io.transmog.operator.reconciler.RunnerJobs;

/**
 * The in-pod runner of one SchemaMigration ({@code transmog run <namespace>/<name>}): a plain fabric8 client program,
 * no controllers. Its lifecycle:
 * <ol>
 * <li>reads its SchemaMigration and decides where it starts ({@link StartingPoint}): a finished phase, for one,
 * means there is nothing to do;</li>
 * <li>builds the engine's configuration and live controls from the spec ({@link MigrationSettings}) and the
 * credentials from {@code TRANSMOG_USER} / {@code TRANSMOG_PASSWORD} only;</li>
 * <li>runs the engine ({@link RetryingMigration}, which retries a lost database) on a thread of its own while a
 * {@link ResourceWatch} hands each change of the resource to {@link LiveSettings}: {@code spec.paused},
 * {@code spec.throttle.*} and {@code spec.cutOver} apply as they change, and a deletion cancels the migration (the
 * engine drops the ghost and changelog tables, the original is untouched);</li>
 * <li>writes its status fields ({@link RunnerStatus}) at every phase change and every {@code statusInterval}, and
 * the finished phase with {@code completedAt} before it returns its {@link ExitCode}.</li>
 * </ol>
 * A SIGTERM ({@link #stop}) without the resource being deleted ends the process with {@link ExitCode#STOPPED}. A new
 * pod after any stop or crash resumes from the checkpoint its predecessor left in the changelog table (the engine
 * starts over when there is none).
 * <p>
 * Threads: {@link #run} (this lifecycle), the engine's, the informer's, the status writer's, the SIGTERM hook's and
 * the metrics endpoint's. What they share has one owner each: the migration's parts once started ({@code Started},
 * published once), the SIGTERM flag (set by {@link #stop} only), the exit code (completed by {@link #run} only); the
 * live knobs belong to {@link LiveSettings}, the status to {@link RunnerStatus}.
 */
public final class Runner {

    private static final Logger LOG = Logger.getLogger(Runner.class);
    private static final Duration CUT_OVER_GRACE = Duration.ofSeconds(15);
    private static final Duration STOPPED_STATUS_GRACE = Duration.ofSeconds(5);
    private static final Duration CRASH_STATUS_DEADLINE = Duration.ofSeconds(10);
    /** Reading the resource at start: the API server may be briefly unreachable (a new node, a control plane restart). */
    private static final Backoff READ_AT_START = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(5));

    /**
     * @param statusInterval how often progress is written between phase changes
     * @param finalStatusDeadline how long the finished phase is retried when the API server does not take it
     * @param startupDeadline how long reading the resource is retried at start
     * @param firstDatabaseRetry the wait before the first new attempt when the database cannot be reached; it
     *        doubles with each attempt, up to {@link #MAX_DATABASE_RETRY}
     */
    public record Options(Duration statusInterval, Duration finalStatusDeadline, Duration startupDeadline,
            Duration firstDatabaseRetry) {

        static final Duration MAX_DATABASE_RETRY = Duration.ofMinutes(5);

        public static Options defaults() {
            return new Options(Duration.ofSeconds(1), Duration.ofMinutes(2), Duration.ofSeconds(60),
                    Duration.ofSeconds(5));
        }

        Backoff databaseRetry() {
            return new Backoff(firstDatabaseRetry, MAX_DATABASE_RETRY);
        }
    }

    /** One migration past its start: its parts, and the engine's end, which the engine's thread completes. */
    private record Started(StatusTracker tracker, LiveSettings live, RunnerStatus status, ResourceWatch watch,
            CompletableFuture<MigrationStatus> engineEnd) {

        void follow(SchemaMigration migration) {
            if (live.follow(migration)) {
                status.poke();
            }
        }

        void cancel(String reason) {
            if (live.cancel(reason)) {
                status.poke();
            }
        }

        boolean deletionRequested() {
            return live.cancelRequested()
                    || watch.latest().map(m -> m.getMetadata().getDeletionTimestamp() != null).orElse(false);
        }

        /** The informer's view, applied again (idempotent): runs before each periodic status write. */
        void followLatest() {
            watch.latest().ifPresent(this::follow);
        }
    }

    private final KubernetesClient client;
    private final String namespace;
    private final String name;
    private final Map<String, String> env;
    private final Options options;
    private final Redactor redactor;
    /** SIGTERM without the resource being deleted: the pod stops, the Job's next pod resumes. */
    private final AtomicBoolean stoppingForRestart = new AtomicBoolean();
    private final AtomicReference<Started> started = new AtomicReference<>();
    private final CompletableFuture<ExitCode> exit = new CompletableFuture<>();

    public Runner(KubernetesClient client, String namespace, String name, Map<String, String> env, Options options) {
        this.client = client;
        this.namespace = namespace;
        this.name = name;
        this.env = Map.copyOf(env);
        this.options = options;
        this.redactor = new Redactor(Arrays.asList(env.get(RunnerJobs.ENV_USER),
                env.get(RunnerJobs.ENV_PASSWORD)));
    }

    /** Hides the credentials in any text (for loggers that format the runner's and the engine's log lines). */
    public Redactor redactor() {
        return redactor;
    }

    /** The engine's latest snapshot, or null before the migration started (for metrics). */
    public MigrationStatus snapshot() {
        Started s = started.get();
        return s == null ? null : s.tracker().snapshot();
    }

    /** Runs the migration to its end; returns the process exit code. Call once. */
    public int run() {
        ExitCode code = ExitCode.TRANSIENT;
        try {
            code = migrate();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.errorf("runner for %s interrupted", key());
        } catch (RuntimeException | Error e) {
            LOG.errorf("runner for %s failed unexpectedly: %s", key(), redactor.apply(String.valueOf(e)));
        } finally {
            Started s = started.get();
            if (s != null) {
                s.watch().close();
            }
            exit.complete(code);
        }
        return code.code();
    }

    /**
     * SIGTERM; returns the exit code for the process, which the caller then ends.
     * <ul>
     * <li>The run has finished: its code.</li>
     * <li>The resource is being deleted: cancel (the engine drops the ghost and changelog tables, the original is
     * untouched), wait up to {@code grace} for Cancelled to be recorded.</li>
     * <li>Otherwise (node drain, eviction, Job deleted) the migration is not over: a cut-over in flight may end
     * within {@code grace}; if not, the runner records that its pod stopped and returns {@link ExitCode#STOPPED}.
     * The process exits with the engine still running, exactly as if killed: the ghost and changelog tables keep
     * their last checkpoint and the Job's next pod resumes from it.</li>
     * </ul>
     */
    public int stop(Duration grace) {
        long deadline = System.nanoTime() + grace.toNanos();
        if (exit.isDone()) {
            return exit.join().code();
        }
        Started s = started.get();
        if (s != null && s.deletionRequested()) {
            s.cancel("the SchemaMigration is being deleted");
            return awaitExit(grace).orElse(ExitCode.STOPPED).code();
        }
        if (s != null && (s.engineEnd().isDone()
                || s.tracker().phase() == io.transmog.engine.Phase.CuttingOver)) {
            // The outcome is being recorded, or a swap is in flight (bounded by the lock timeout): let it end.
            Optional<ExitCode> code = awaitExit(remaining(deadline, CUT_OVER_GRACE));
            if (code.isPresent()) {
                return code.get().code();
            }
        }
        stoppingForRestart.set(true);
        LOG.infof("%s: the runner pod is stopping (SIGTERM): the Job's next pod resumes the migration from its last "
                + "checkpoint", key());
        if (s != null) {
            s.status().writeLast(s.tracker().snapshot(), remaining(deadline, STOPPED_STATUS_GRACE));
        }
        return ExitCode.STOPPED.code();
    }

    private static Duration remaining(long deadline, Duration cap) {
        Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
        return left.compareTo(cap) < 0 ? left : cap;
    }

    /** The exit code once {@link #run} has returned, or empty if it has not within {@code timeout}. */
    private Optional<ExitCode> awaitExit(Duration timeout) {
        try {
            return Optional.of(exit.get(timeout.toNanos(), TimeUnit.NANOSECONDS));
        } catch (TimeoutException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (ExecutionException e) {
            throw new IllegalStateException("run() completes the exit code with a value only", e);
        }
    }

    private ExitCode migrate() throws InterruptedException {
        LOG.infof("transmog runner for SchemaMigration %s", key());
        SchemaMigration migration;
        try {
            migration = read();
        } catch (KubernetesClientException e) {
            LOG.errorf("cannot read SchemaMigration %s: %s", key(), ApiErrors.describe(e));
            return ExitCode.forApiServerError(e);
        }
        StartingPoint start = StartingPoint.of(migration);
        Optional<ExitCode> nothingToDo = endBeforeMigrating(start, migration);
        if (nothingToDo.isPresent()) {
            return nothingToDo.get();
        }

        MigrationConfig config;
        Controls controls;
        try {
            config = MigrationSettings.config(migration, env);
            controls = MigrationSettings.controls(migration.getSpec());
        } catch (MigrationSettings.InvalidSettingsException e) {
            LOG.errorf("SchemaMigration %s cannot run: %s", key(), redactor.apply(e.getMessage()));
            recordFinished(Phase.Failed, e.getMessage());
            return ExitCode.PERMANENT;
        }
        boolean dryRun = migration.getSpec().isDryRun();
        LOG.infof("%s: %s `%s`.`%s` on %s:%d: ALTER TABLE ... %s", key(), dryRun ? "dry run of" : "migrating",
                config.connection().database(), config.table(), config.connection().host(), config.connection().port(),
                redactor.apply(config.alter()));
        if (start == StartingPoint.RESUME) {
            LOG.infof("%s: an earlier runner pod of this migration stopped (last reported phase: %s): resuming from "
                    + "its checkpoint if it left one", key(), migration.getStatus().getPhase());
        }
        if (stoppingForRestart.get()) {
            return ExitCode.STOPPED;
        }

        Started s = begin(config, controls, dryRun);
        if (migration.getMetadata().getDeletionTimestamp() != null) {
            // A predecessor got past the start: this run only cleans up what it left.
            s.cancel("the SchemaMigration is being deleted");
        }
        try {
            s.watch().start(s::follow, () -> s.cancel("the SchemaMigration was deleted"));
        } catch (RuntimeException e) {
            LOG.errorf("cannot watch SchemaMigration %s for live changes: %s", key(), ApiErrors.describe(e));
            if (ApiErrors.isPermissionProblem(e)) {
                recordFinished(Phase.Failed, "the runner cannot watch its SchemaMigration (" + e.getMessage()
                        + "): its ServiceAccount needs get/list/watch on schemamigrations (ClusterRole transmog-runner)");
            }
            return ExitCode.forApiServerError(e);
        }
        s.status().start(s::followLatest);
        return runEngine(s, config);
    }

    /** The end of a run that has nothing to migrate, or empty when it migrates. */
    private Optional<ExitCode> endBeforeMigrating(StartingPoint start, SchemaMigration migration) {
        return switch (start) {
            case NOT_FOUND -> {
                LOG.infof("SchemaMigration %s does not exist (deleted?): nothing to do", key());
                yield Optional.of(ExitCode.OK);
            }
            case ALREADY_FINISHED -> {
                LOG.infof("SchemaMigration %s has already finished (%s): nothing to do", key(),
                        migration.getStatus().getPhase());
                yield Optional.of(ExitCode.OK);
            }
            case DELETED_BEFORE_START -> {
                LOG.infof("SchemaMigration %s is being deleted before its migration started: nothing to do", key());
                recordFinished(Phase.Cancelled, "cancelled: the SchemaMigration was deleted before the migration "
                        + "started; nothing was changed");
                yield Optional.of(ExitCode.OK);
            }
            case FIRST_RUN, RESUME -> Optional.empty();
        };
    }

    /** Runs the engine on a thread of its own to its end, and records the outcome. */
    private ExitCode runEngine(Started s, MigrationConfig config) throws InterruptedException {
        RetryingMigration engine = new RetryingMigration(config, s.live().controls(), s.tracker(),
                new DatabaseRetry(options.databaseRetry(), TableNames.of(config.connection().database(), config.table())),
                stoppingForRestart::get);
        DaemonThreads.start("transmog-migration", () -> {
            try {
                s.engineEnd().complete(engine.run());
            } catch (Throwable e) {
                s.engineEnd().completeExceptionally(e);
            }
        });
        MigrationStatus end;
        try {
            end = s.engineEnd().get();
        } catch (ExecutionException e) {
            LOG.errorf("%s: the migration stopped unexpectedly: %s", key(), redactor.apply(String.valueOf(e.getCause())));
            s.status().writeLast(s.tracker().snapshot(), CRASH_STATUS_DEADLINE);
            return ExitCode.TRANSIENT;
        } finally {
            s.watch().close();
        }
        if (stoppingForRestart.get() && !end.phase().isTerminal()) {
            return ExitCode.STOPPED;
        }
        return recordOutcome(s.status(), end, config);
    }

    /** Publishes the migration's parts: from here on a SIGTERM and the metrics see them. */
    private Started begin(MigrationConfig config, Controls controls, boolean dryRun) {
        StatusTracker tracker = new StatusTracker(config.table());
        LiveSettings live = new LiveSettings(controls, key(), redactor);
        RunnerStatus status = RunnerStatus.following(tracker, client, namespace, name,
                options.statusInterval(), () -> new StatusReport.Context(dryRun, live.awaitingApproval(),
                        stoppingForRestart.get() && !live.cancelRequested(), live.refused().orElse(null), redactor));
        Started s = new Started(tracker, live, status, new ResourceWatch(client, namespace, name), new CompletableFuture<>());
        started.set(s);
        return s;
    }

    private ExitCode recordOutcome(RunnerStatus status, MigrationStatus end, MigrationConfig config) {
        RunnerStatus.Recorded outcome = status.recordOutcome(end, options.finalStatusDeadline());
        if (outcome.written()) {
            LOG.infof("%s: %s: %s", key(), outcome.phase(), outcome.message());
            if (outcome.phase() == Phase.Succeeded) {
                dropChangelog(config);
            }
        } else {
            LOG.errorf("%s: %s: %s; could not record it in the SchemaMigration's status within %s", key(),
                    outcome.phase(), outcome.message(), options.finalStatusDeadline());
        }
        return ExitCode.afterRecording(outcome.phase());
    }

    private void dropChangelog(MigrationConfig config) {
        try {
            Migrator.dropChangelog(config);
        } catch (RuntimeException e) {
            LOG.warnf("%s: Succeeded, but the changelog table was not dropped (drop it by hand): %s", key(),
                    redactor.apply(e.getMessage()));
        }
    }

    /** Records a finished phase without the engine having run. */
    private void recordFinished(Phase phase, String message) {
        StatusReporter once = new StatusReporter(client, namespace, name, Optional::empty, options.statusInterval());
        if (!once.finish(StatusReport.finished(phase, message, redactor, Instant.now()), options.finalStatusDeadline())) {
            LOG.errorf("could not record phase %s in the status of %s", phase, key());
        }
    }

    /** The resource, or null when it does not exist; retried until the startup deadline unless permission lacks. */
    private SchemaMigration read() throws InterruptedException {
        long deadline = System.nanoTime() + options.startupDeadline().toNanos();
        for (int retry = 1; ; retry++) {
            try {
                return client.resources(SchemaMigration.class).inNamespace(namespace).withName(name).get();
            } catch (KubernetesClientException e) {
                Optional<Duration> wait = ApiErrors.isPermissionProblem(e) ? Optional.empty()
                        : READ_AT_START.delayWithin(retry, Duration.ofNanos(deadline - System.nanoTime()));
                if (wait.isEmpty()) {
                    throw e;
                }
                LOG.warnf("cannot read SchemaMigration %s yet (will retry): %s", key(), ApiErrors.describe(e));
                Thread.sleep(wait.get().toMillis());
            }
        }
    }

    private String key() {
        return namespace + "/" + name;
    }
}
