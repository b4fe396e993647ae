package io.transmog.operator.runner;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.transmog.engine.Controls;
import io.transmog.engine.MigrationConfig;
import io.transmog.engine.MigrationStatus;
import io.transmog.engine.Migrator;
import io.transmog.engine.StatusTracker;
import io.transmog.engine.sql.TableNames;
import io.transmog.operator.model.Phase;
import io.transmog.operator.model.SchemaMigration;
import io.transmog.operator.model.SchemaMigrationSpec;
import io.transmog.operator.model.SchemaMigrationStatus;
import io.transmog.operator.reconciler.RunnerJobs;

/**
 * The in-pod runner of one SchemaMigration ({@code transmog run <namespace>/<name>}): a plain fabric8 client program,
 * no controllers. It
 * <ol>
 * <li>reads its SchemaMigration; a finished phase means there is nothing to do;</li>
 * <li>builds the engine's configuration and live controls from the spec ({@link MigrationSettings}) and the
 * credentials from {@code TRANSMOG_USER} / {@code TRANSMOG_PASSWORD} only;</li>
 * <li>runs the engine's {@link Migrator} on a thread of its own while an informer on the resource applies
 * {@code spec.paused}, {@code spec.throttle.*} and {@code spec.cutOver} as they change, and a deletion
 * ({@code metadata.deletionTimestamp}) cancels the migration (the engine drops the ghost and changelog tables, the
 * original is untouched);</li>
 * <li>writes its status fields at every phase change and every {@code statusInterval} ({@link StatusReporter}), and
 * the finished phase with {@code completedAt} before it returns.</li>
 * </ol>
 * Exit codes follow the Job's pod failure policy (see {@link RunnerJobs}): {@value #EXIT_OK} after recording
 * Succeeded, Validated or Cancelled (or when there was nothing to do), {@value #EXIT_PERMANENT} after recording
 * Failed (the Job fails at once), {@value #EXIT_TRANSIENT} when the API server could not be used (the Job retries),
 * {@value #EXIT_STOPPED} when the pod was stopped (SIGTERM) without the resource being deleted ({@link #stop}). A new
 * pod after any stop or crash resumes from the checkpoint its predecessor left in the changelog table (the engine
 * starts over when there is none).
 */
public final class Runner {

    public static final int EXIT_OK = 0;
    public static final int EXIT_TRANSIENT = 1;
    public static final int EXIT_PERMANENT = RunnerJobs.EXIT_PERMANENT_FAILURE;
    public static final int EXIT_STOPPED = 143;

    private static final Logger LOG = Logger.getLogger(Runner.class);
    private static final Duration CUT_OVER_GRACE = Duration.ofSeconds(15);

    /**
     * @param statusInterval how often progress is written between phase changes
     * @param finalStatusDeadline how long the finished phase is retried when the API server does not take it
     * @param startupDeadline how long reading the resource is retried at start
     * @param firstDatabaseRetry the wait before the first new attempt when the database cannot be reached; it
     *        doubles with each attempt, up to {@link #MAX_DATABASE_RETRY}
     */
    public record Options(Duration statusInterval, Duration finalStatusDeadline, Duration startupDeadline,
            Duration firstDatabaseRetry) {
        public static Options defaults() {
            return new Options(Duration.ofSeconds(1), Duration.ofMinutes(2), Duration.ofSeconds(60),
                    Duration.ofSeconds(5));
        }

        /** The wait before new attempt number {@code retry} (1 for the first). */
        Duration databaseRetryDelay(int retry) {
            Duration delay = firstDatabaseRetry.multipliedBy(1L << Math.min(retry - 1, 16));
            return delay.compareTo(MAX_DATABASE_RETRY) > 0 ? MAX_DATABASE_RETRY : delay;
        }
    }

    static final Duration MAX_DATABASE_RETRY = Duration.ofMinutes(5);

    private final KubernetesClient client;
    private final String namespace;
    private final String name;
    private final Map<String, String> env;
    private final Options options;
    private final Redactor redactor;
    private final CountDownLatch finished = new CountDownLatch(1);
    private final AtomicReference<Instant> completedAt = new AtomicReference<>();
    private final Object controlLock = new Object();

    private volatile int exitCode = -1;
    private volatile boolean migrationEnded;
    private volatile StatusTracker tracker;
    private volatile boolean stoppingForRestart;
    private volatile boolean deleting;
    private volatile boolean dryRun;
    private volatile Controls controls;
    private volatile String note;
    private volatile SharedIndexInformer<SchemaMigration> informer;
    private volatile StatusReporter reporter;

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
        StatusTracker t = tracker;
        return t == null ? null : t.snapshot();
    }

    /** Runs the migration to its end; returns the process exit code. Call once. */
    public int run() {
        try {
            exitCode = doRun();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.errorf("runner for %s interrupted", key());
            exitCode = EXIT_TRANSIENT;
        } catch (RuntimeException | Error e) {
            LOG.errorf("runner for %s failed unexpectedly: %s", key(), redactor.apply(String.valueOf(e)));
            exitCode = EXIT_TRANSIENT;
        } finally {
            SharedIndexInformer<SchemaMigration> i = informer;
            if (i != null) {
                i.close();
            }
            finished.countDown();
        }
        return exitCode;
    }

    /**
     * SIGTERM; returns the exit code for the process, which the caller then ends.
     * <ul>
     * <li>The resource is being deleted: cancel (the engine drops the ghost and changelog tables, the original is
     * untouched), wait up to {@code grace} for Cancelled to be recorded.</li>
     * <li>Otherwise (node drain, eviction, Job deleted) the migration is not over: a cut-over in flight may end
     * within {@code grace}; if not, the runner records that its pod stopped and returns {@value #EXIT_STOPPED}. The
     * process exits with the engine still running, exactly as if killed: the ghost and changelog tables keep their
     * last checkpoint and the Job's next pod resumes from it.</li>
     * </ul>
     */
    public int stop(Duration grace) {
        long deadline = System.nanoTime() + grace.toNanos();
        SchemaMigration latest = latest();
        if (deleting || (latest != null && latest.getMetadata().getDeletionTimestamp() != null)) {
            requestCancel("the SchemaMigration is being deleted");
            int code = awaitExit(grace);
            return code < 0 ? EXIT_STOPPED : code;
        }
        StatusTracker t = tracker;
        if (migrationEnded || (t != null && t.phase() == io.transmog.engine.Phase.CuttingOver)) {
            // The outcome is being recorded, or a swap is in flight (bounded by the lock timeout): let it end.
            int code = awaitExit(remaining(deadline, CUT_OVER_GRACE));
            if (code >= 0) {
                return code;
            }
        }
        stoppingForRestart = true;
        LOG.infof("%s: the runner pod is stopping (SIGTERM): the Job's next pod resumes the migration from its last "
                + "checkpoint", key());
        StatusReporter r = reporter;
        if (r != null && t != null) {
            r.finish(body(t.snapshot()), remaining(deadline, Duration.ofSeconds(5)));
        }
        return EXIT_STOPPED;
    }

    private static Duration remaining(long deadline, Duration cap) {
        Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
        return left.compareTo(cap) < 0 ? left : cap;
    }

    /** The exit code once {@link #run} has returned, or -1 if it has not within {@code timeout}. */
    public int awaitExit(Duration timeout) {
        try {
            if (!finished.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                return -1;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
        return exitCode;
    }

    private int doRun() throws InterruptedException {
        LOG.infof("transmog runner for SchemaMigration %s", key());
        SchemaMigration migration;
        try {
            migration = fetch();
        } catch (KubernetesClientException e) {
            LOG.errorf("cannot read SchemaMigration %s: %s", key(), describe(e));
            return isPermissionProblem(e) ? EXIT_PERMANENT : EXIT_TRANSIENT;
        }
        if (migration == null) {
            LOG.infof("SchemaMigration %s does not exist (deleted?): nothing to do", key());
            return EXIT_OK;
        }
        SchemaMigrationStatus recorded = migration.getStatus();
        Phase recordedPhase = recorded == null ? null : recorded.getPhase();
        if (recordedPhase != null && recordedPhase.isFinished()) {
            LOG.infof("SchemaMigration %s has already finished (%s): nothing to do", key(), recordedPhase);
            return EXIT_OK;
        }
        boolean restart = recorded != null && (recorded.getProgress() != null
                || (recordedPhase != null && recordedPhase != Phase.Pending && recordedPhase != Phase.Paused));
        if (migration.getMetadata().getDeletionTimestamp() != null && !restart) {
            LOG.infof("SchemaMigration %s is being deleted before its migration started: nothing to do", key());
            recordFinal(Phase.Cancelled, "cancelled: the SchemaMigration was deleted before the migration started; "
                    + "nothing was changed");
            return EXIT_OK;
        }

        SchemaMigrationSpec spec = migration.getSpec();
        MigrationConfig config;
        Controls live;
        try {
            config = MigrationSettings.config(migration, env);
            live = MigrationSettings.controls(spec);
        } catch (MigrationSettings.InvalidSettingsException e) {
            LOG.errorf("SchemaMigration %s cannot run: %s", key(), redactor.apply(e.getMessage()));
            recordFinal(Phase.Failed, e.getMessage());
            return EXIT_PERMANENT;
        }
        dryRun = spec.isDryRun();
        LOG.infof("%s: %s `%s`.`%s` on %s:%d: ALTER TABLE ... %s", key(), dryRun ? "dry run of" : "migrating",
                config.connection().database(), config.table(), config.connection().host(), config.connection().port(),
                redactor.apply(config.alter()));
        if (restart) {
            LOG.infof("%s: an earlier runner pod of this migration stopped (last reported phase: %s): resuming from "
                    + "its checkpoint if it left one", key(), recordedPhase);
        }
        if (stoppingForRestart) {
            return EXIT_STOPPED;
        }

        StatusTracker tracker = new StatusTracker(config.table());
        this.tracker = tracker;
        controls = live;
        StatusReporter statusReporter = new StatusReporter(client, namespace, name,
                () -> progressBody(tracker.snapshot()), options.statusInterval());
        reporter = statusReporter;
        tracker.addListener(snapshot -> {
            Map<String, Object> body = progressBody(snapshot);
            if (body != null) {
                statusReporter.phaseChanged(body);
            }
        });
        if (migration.getMetadata().getDeletionTimestamp() != null) {
            // A predecessor got past the start: this run only cleans up what it left.
            requestCancel("the SchemaMigration is being deleted");
        }
        // A deletion may have been seen before the controls existed.
        if (deleting) {
            live.cancel("the SchemaMigration is being deleted");
        }

        try {
            informer = client.resources(SchemaMigration.class).inNamespace(namespace).withName(name)
                    .inform(new Watcher(), 0);
        } catch (RuntimeException e) {
            KubernetesClientException k = e instanceof KubernetesClientException kce ? kce : null;
            LOG.errorf("cannot watch SchemaMigration %s for live changes: %s", key(), describe(e));
            if (k != null && isPermissionProblem(k)) {
                recordFinal(Phase.Failed, "the runner cannot watch its SchemaMigration (" + k.getMessage()
                        + "): its ServiceAccount needs get/list/watch on schemamigrations (ClusterRole transmog-runner)");
                return EXIT_PERMANENT;
            }
            return EXIT_TRANSIENT;
        }
        informer.stopped().whenComplete((ignored, failure) -> {
            if (failure != null && !migrationEnded) {
                LOG.warnf("%s: the watch on the SchemaMigration stopped (%s): live changes (pause, throttle, cut-over "
                        + "approval, deletion) no longer reach this runner", key(), describe(failure));
            }
        });
        statusReporter.onTick(this::reapply);
        statusReporter.start();

        AtomicReference<MigrationStatus> result = new AtomicReference<>();
        AtomicReference<Throwable> crash = new AtomicReference<>();
        Thread migrator = new Thread(() -> {
            try {
                result.set(migrateWhileReachable(config, live, tracker));
            } catch (Throwable e) {
                crash.set(e);
            }
        }, "transmog-migration");
        migrator.setDaemon(true);
        migrator.start();
        migrator.join();
        migrationEnded = true;
        informer.close();

        MigrationStatus end = result.get();
        if (end == null) {
            LOG.errorf("%s: the migration stopped unexpectedly: %s", key(), redactor.apply(String.valueOf(crash.get())));
            statusReporter.finish(body(tracker.snapshot()), Duration.ofSeconds(10));
            return EXIT_TRANSIENT;
        }
        if (stoppingForRestart && !end.phase().isTerminal()) {
            return EXIT_STOPPED;
        }
        Map<String, Object> last = body(end);
        Phase shown = StatusReport.phase(end, context());
        boolean written = statusReporter.finish(last, options.finalStatusDeadline());
        @SuppressWarnings("unchecked")
        Object message = ((Map<String, Object>) last.get("status")).get("message");
        if (written) {
            LOG.infof("%s: %s: %s", key(), shown, message);
            if (shown == Phase.Succeeded) {
                dropChangelog(config);
            }
        } else {
            LOG.errorf("%s: %s: %s; could not record it in the SchemaMigration's status within %s", key(), shown,
                    message, options.finalStatusDeadline());
        }
        return switch (shown) {
            case Succeeded, Validated, Cancelled -> EXIT_OK;
            case Failed -> EXIT_PERMANENT;
            default -> EXIT_TRANSIENT;
        };
    }

    /**
     * Runs the engine; when it could not reach the database, or lost it, runs it again after a wait that doubles each
     * time, with phase Pending and the cause and the next attempt in the status meanwhile. The engine keeps its ghost
     * and changelog tables through a lost connection, so the new run resumes from the last checkpoint. Ends only with
     * the engine's own end, a deletion (cancel) or the pod stopping.
     */
    private MigrationStatus migrateWhileReachable(MigrationConfig config, Controls live, StatusTracker tracker)
            throws InterruptedException {
        for (int retry = 1; ; retry++) {
            Migrator migrator = new Migrator(config, live, tracker);
            MigrationStatus end = migrator.run();
            if (!migrator.lostConnection() || stoppingForRestart) {
                return end;
            }
            if (live.cancelReason() != null) {
                TableNames names = TableNames.of(config.connection().database(), config.table());
                tracker.phase(io.transmog.engine.Phase.Cancelled, "cancelled: " + live.cancelReason() + ", while the "
                        + "database could not be reached (" + end.message() + "); if an earlier attempt created "
                        + names.qualifiedGhost() + " and " + names.qualifiedChangelog() + ", drop them by hand; the "
                        + "original is untouched");
                return tracker.snapshot();
            }
            Duration delay = options.databaseRetryDelay(retry);
            tracker.phase(io.transmog.engine.Phase.Pending, "the database cannot be reached: " + end.message()
                    + "; attempt " + (retry + 1) + " in " + delay.toSeconds() + " s");
            long until = System.nanoTime() + delay.toNanos();
            // A deletion ends the wait at once: the next run cancels, and cleans up if the database is back.
            while (System.nanoTime() < until && live.cancelReason() == null && !stoppingForRestart) {
                Thread.sleep(100);
            }
            if (stoppingForRestart) {
                return tracker.snapshot();
            }
        }
    }

    private void dropChangelog(MigrationConfig config) {
        try {
            Migrator.dropChangelog(config);
        } catch (RuntimeException e) {
            LOG.warnf("%s: Succeeded, but the changelog table was not dropped (drop it by hand): %s", key(),
                    redactor.apply(e.getMessage()));
        }
    }

    /**
     * The body of a snapshot while the engine runs, or null for the engine's end: that is recorded once the runner
     * has decided it is one (a lost database is retried instead), by {@link StatusReporter#finish}.
     */
    private Map<String, Object> progressBody(MigrationStatus snapshot) {
        return snapshot.phase().isTerminal() ? null : body(snapshot);
    }

    private Map<String, Object> body(MigrationStatus snapshot) {
        Instant done = null;
        if (snapshot.phase().isTerminal()) {
            completedAt.compareAndSet(null, Instant.now());
            done = completedAt.get();
        }
        return StatusReport.body(snapshot, context(), done == null ? Instant.now() : done);
    }

    private StatusReport.Context context() {
        Controls c = controls;
        return new StatusReport.Context(dryRun, c != null && c.postponeCutOver(), stoppingForRestart && !deleting,
                note, redactor);
    }

    /** Records a finished phase without the engine having run. */
    private void recordFinal(Phase phase, String message) {
        StatusReporter once = new StatusReporter(client, namespace, name, () -> null, options.statusInterval());
        if (!once.finish(StatusReport.finished(phase, message, redactor, Instant.now()), options.finalStatusDeadline())) {
            LOG.errorf("could not record phase %s in the status of %s", phase, key());
        }
    }

    private SchemaMigration fetch() throws InterruptedException {
        long deadline = System.nanoTime() + options.startupDeadline().toNanos();
        long backoff = 500;
        while (true) {
            try {
                return client.resources(SchemaMigration.class).inNamespace(namespace).withName(name).get();
            } catch (KubernetesClientException e) {
                if (isPermissionProblem(e) || System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoff) > deadline) {
                    throw e;
                }
                LOG.warnf("cannot read SchemaMigration %s yet (will retry): %s", key(), describe(e));
                Thread.sleep(backoff);
                backoff = Math.min(backoff * 2, 5000);
            }
        }
    }

    private SchemaMigration latest() {
        SharedIndexInformer<SchemaMigration> i = informer;
        if (i == null) {
            return null;
        }
        List<SchemaMigration> items = i.getStore().list();
        return items.isEmpty() ? null : items.get(0);
    }

    /** Runs on the status thread before each periodic write: the informer's view, applied again (idempotent). */
    private void reapply() {
        SchemaMigration latest = latest();
        if (latest != null) {
            onChange(latest);
        }
    }

    private void onChange(SchemaMigration migration) {
        if (migration.getMetadata().getDeletionTimestamp() != null) {
            requestCancel("the SchemaMigration is being deleted");
        }
        if (migration.getSpec() == null) {
            return;
        }
        synchronized (controlLock) {
            Controls c = controls;
            if (c == null) {
                return;
            }
            MigrationSettings.Changes changes = MigrationSettings.apply(migration.getSpec(), c);
            String problems = changes.problems().isEmpty() ? null
                    : "ignored: " + String.join("; ", changes.problems()) + "; the previous values stay in effect";
            boolean noteChanged = !Objects.equals(problems, note);
            note = problems;
            if (!changes.applied().isEmpty()) {
                LOG.infof("%s: applied %s", key(), String.join(", ", changes.applied()));
            }
            if (noteChanged && problems != null) {
                LOG.warnf("%s: %s", key(), redactor.apply(problems));
            }
            StatusReporter r = reporter;
            if (r != null && (!changes.applied().isEmpty() || noteChanged)) {
                r.poke();
            }
        }
    }

    private void requestCancel(String reason) {
        if (deleting) {
            return;
        }
        deleting = true;
        LOG.infof("%s: %s: cancelling the migration (the ghost and changelog tables are dropped, the original is "
                + "untouched)", key(), reason);
        Controls c = controls;
        if (c != null) {
            c.cancel(reason);
        }
        StatusReporter r = reporter;
        if (r != null) {
            r.poke();
        }
    }

    private final class Watcher implements ResourceEventHandler<SchemaMigration> {
        @Override
        public void onAdd(SchemaMigration migration) {
            onChange(migration);
        }

        @Override
        public void onUpdate(SchemaMigration old, SchemaMigration migration) {
            onChange(migration);
        }

        @Override
        public void onDelete(SchemaMigration migration, boolean deletedFinalStateUnknown) {
            requestCancel("the SchemaMigration was deleted");
        }
    }

    /** fabric8's messages often say only "failed."; the cause says why. */
    static String describe(Throwable e) {
        StringBuilder out = new StringBuilder(String.valueOf(e.getMessage()));
        Throwable cause = e.getCause();
        for (int depth = 0; cause != null && depth < 3; depth++, cause = cause.getCause()) {
            if (cause.getMessage() != null && !out.toString().contains(cause.getMessage())) {
                out.append(": ").append(cause.getMessage());
            }
        }
        return out.toString();
    }

    private static boolean isPermissionProblem(KubernetesClientException e) {
        return e.getCode() == 401 || e.getCode() == 403;
    }

    private String key() {
        return namespace + "/" + name;
    }
}
