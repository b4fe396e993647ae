package io.transmog.operator.reconciler;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.config.informer.InformerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusHandler;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceInitializer;
import io.javaoperatorsdk.operator.api.reconciler.MaxReconciliationInterval;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.transmog.operator.model.Phase;
import io.transmog.operator.model.SchemaMigration;
import io.transmog.operator.model.SchemaMigrationStatus;
import io.transmog.operator.status.StatusApply;

/**
 * Thin reconciler: observe (resource, runner Job, Secret, other migrations of the table), decide
 * ({@link MigrationGate}, {@link StatusMapper}), delegate (the runner Job does the migration; the runner reports
 * progress itself). Status is written in one place, {@link StatusWriter}, with the operator's own fields only
 * (server-side apply; phase and message change hands as {@link PhaseOwnership} decides).
 *
 * <p>
 * Event processing is not generation-aware: status changes made by the runner trigger a reconciliation, so that
 * conditions, metrics and Events follow the phases it reports. A reconciliation that changes nothing writes
 * nothing.
 */
@ControllerConfiguration(name = SchemaMigrationReconciler.NAME, finalizerName = SchemaMigrationReconciler.FINALIZER,
        generationAwareEventProcessing = false,
        maxReconciliationInterval = @MaxReconciliationInterval(interval = 5, timeUnit = TimeUnit.MINUTES))
public class SchemaMigrationReconciler implements Reconciler<SchemaMigration>, Cleaner<SchemaMigration>,
        EventSourceInitializer<SchemaMigration>, ErrorStatusHandler<SchemaMigration> {

    public static final String NAME = "schemamigration";
    public static final String FINALIZER = "transmog.io/cancel-migration";
    private static final Logger LOG = Logger.getLogger(SchemaMigrationReconciler.class);
    private static final long CANCEL_POLL_MILLIS = 2000;
    private static final String RUNNER_PODS = "runner-pods";

    private final OperatorConfig config;
    private final KubernetesClient client;
    private final StatusWriter statusWriter;
    private final EventRecorder events;
    private final MigrationMetrics metrics;
    private final MigrationGate gate;
    private final RunnerJobDependent jobs;

    public SchemaMigrationReconciler(OperatorConfig config, KubernetesClient client, StatusWriter statusWriter,
            EventRecorder events, MigrationMetrics metrics, MigrationGate gate, RunnerImage runnerImage) {
        this.config = config;
        this.client = client;
        this.statusWriter = statusWriter;
        this.events = events;
        this.metrics = metrics;
        this.gate = gate;
        this.jobs = new RunnerJobDependent(config, runnerImage);
    }

    @Override
    public Map<String, EventSource> prepareEventSources(EventSourceContext<SchemaMigration> context) {
        context.getPrimaryCache().addIndexer(MigrationGate.TARGET_INDEX,
                m -> List.of(MigrationTarget.of(m).key()));
        Map<String, EventSource> sources = new HashMap<>(
                EventSourceInitializer.nameEventSourcesFromDependentResource(context, jobs));
        // The runner pods, for what only they tell: whether the scheduler found them a node. Each names its
        // migration in the annotation the Job's template gives it.
        sources.put(RUNNER_PODS, new InformerEventSource<>(InformerConfiguration.from(Pod.class, context)
                .withLabelSelector(RunnerJobs.SELECTOR)
                .withSecondaryToPrimaryMapper(RunnerJobs::migrationOf)
                .build(), context));
        return sources;
    }

    @Override
    public UpdateControl<SchemaMigration> reconcile(SchemaMigration migration, Context<SchemaMigration> context) {
        SchemaMigrationStatus status = statusOf(migration);
        Optional<Job> observedJob = jobs.getSecondaryResource(migration, context);
        JobState job = JobState.of(observedJob);

        if (status.getJobName() != null && !isFinished(status)) {
            if (job.kind() == JobState.Kind.ABSENT) {
                // The informer may lag behind a Job created moments ago: ask the API server before concluding.
                job = JobState.of(getJob(migration, status.getJobName()));
            }
            if (job.isFinished() || job.kind() == JobState.Kind.ABSENT) {
                // The runner records its result just before it exits, and a finished Job may since have been
                // deleted: read the result from the API server, not the cache, before deciding that there is none.
                SchemaMigration fresh = client.resources(SchemaMigration.class)
                        .inNamespace(migration.getMetadata().getNamespace())
                        .withName(migration.getMetadata().getName()).get();
                if (fresh != null && fresh.getStatus() != null) {
                    migration = fresh;
                    status = fresh.getStatus();
                }
            }
        }

        // Deciding that a migration may start and recording that it did (its jobName) happen under its table's lock:
        // two migrations of one table reconciled at once had each asked the API server before the other's start was
        // recorded, and both started (two examples on shop.orders, created within the same second).
        Gate startGate = null;
        StatusMapper.Result result;
        SchemaMigration current = migration;
        boolean written = true;
        synchronized (gate.startLock(migration)) {
            if (status.getJobName() == null && !isFinished(status)) {
                startGate = gate.evaluate(migration, sameTarget(migration, context, false));
                if (startGate.kind() == Gate.Kind.OPEN) {
                    // Confirm with the API server: the cache may not show yet that another one has just started.
                    startGate = gate.evaluate(migration, sameTarget(migration, context, true));
                }
            }

            RunnerPodScheduling scheduling = RunnerPodScheduling.of(observedJob.orElse(null),
                    context.getSecondaryResources(Pod.class), RunnerJobs.placement(migration, config));
            Instant now = Instant.now();
            result = StatusMapper.map(new StatusMapper.Input(generation(migration),
                    status.getPhase(), status.getMessage(), status.getJobName(), status.getCompletedAt(), job, startGate,
                    false, status.getConditions(), runnerReported(migration), scheduling), now);

            boolean recordStart = result.createJob() && status.getJobName() == null;
            OwnFields own = ownFields(migration, status, result, job, recordStart, now);

            if (own.changes(status)) {
                Optional<SchemaMigration> stored = statusWriter.apply(migration, own.status(), own.force());
                written = stored.isPresent();
                current = stored.orElse(migration);
            }
        }
        if (!written) {
            // Decided on a stale copy (the runner has written since): nothing announced, nothing created; decide
            // again on the fresh one.
            return UpdateControl.<SchemaMigration> noUpdate().rescheduleAfter(config.recheckInterval().toMillis());
        }
        if (result.announce()) {
            String reason = result.phase().name();
            String message = result.phase() + ": " + result.message();
            if (result.warning()) {
                events.warning(migration, reason, message);
            } else {
                events.normal(migration, reason, message);
            }
        }
        metrics.observe(migration, result.phase());

        if (result.replaceJob()) {
            // Its pods are gone with it (background propagation); the reconciliation its deletion causes finds no
            // Job and creates one from the spec as it is now, under the same name.
            client.batch().v1().jobs().inNamespace(migration.getMetadata().getNamespace())
                    .withName(status.getJobName()).withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
            LOG.infof("deleted runner Job %s of %s, whose pod could not be scheduled: spec.runner changed",
                    status.getJobName(), key(migration));
        }

        if (result.createJob() && job.kind() == JobState.Kind.ABSENT) {
            // Built from the resource as it is after startedAt was recorded: from then on the API server keeps
            // database, table and alter from changing.
            jobs.reconcile(current, context);
            metrics.jobCreated();
            LOG.infof("created runner Job %s for %s", RunnerJobs.jobName(current), key(current));
        }

        if (startGate != null && startGate.kind() == Gate.Kind.WAITING) {
            return UpdateControl.<SchemaMigration> noUpdate().rescheduleAfter(config.recheckInterval().toMillis());
        }
        return UpdateControl.noUpdate();
    }

    /**
     * A failed reconciliation (API server unreachable, missing permission...) is retried by the SDK with backoff;
     * it is reported as a Warning Event, not in the status, so that it never competes with the runner's fields.
     */
    @Override
    public ErrorStatusUpdateControl<SchemaMigration> updateErrorStatus(SchemaMigration migration,
            Context<SchemaMigration> context, Exception e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        LOG.warnf("reconciling %s failed (will retry): %s", key(migration), message);
        events.warning(migration, "ReconcileError", "reconciliation failed, will retry: " + message);
        return ErrorStatusUpdateControl.noStatusUpdate();
    }

    @Override
    public DeleteControl cleanup(SchemaMigration migration, Context<SchemaMigration> context) {
        SchemaMigrationStatus status = statusOf(migration);
        if (status.getJobName() == null || isFinished(status)) {
            // Never started, or finished: there is nothing to cancel and nothing in the database to touch.
            metrics.forget(migration);
            return DeleteControl.defaultDelete();
        }
        Optional<Job> job = jobs.getSecondaryResource(migration, context);
        if (job.isEmpty()) {
            job = Optional.ofNullable(getJob(migration, status.getJobName()));
        }
        JobState state = JobState.of(job);
        if (state.kind() == JobState.Kind.ABSENT || state.isFinished()) {
            metrics.forget(migration);
            return DeleteControl.defaultDelete();
        }

        // The runner sees the deletion timestamp, cancels, cleans up and exits; its Job then finishes.
        Instant deletedAt = parse(migration.getMetadata().getDeletionTimestamp());
        Duration waited = Duration.between(deletedAt == null ? Instant.now() : deletedAt, Instant.now());
        if (waited.compareTo(config.cancelTimeout()) > 0) {
            if (job.get().getMetadata().getDeletionTimestamp() == null) {
                events.warning(migration, "CancelTimeout", "the runner did not finish cancelling within "
                        + config.cancelTimeout() + "; deleting Job " + status.getJobName()
                        + " (its pod gets SIGTERM); ghost and changelog tables may be left behind");
                client.batch().v1().jobs().inNamespace(migration.getMetadata().getNamespace())
                        .withName(status.getJobName())
                        .withPropagationPolicy(DeletionPropagation.FOREGROUND)
                        .delete();
            }
            return DeleteControl.noFinalizerRemoval().rescheduleAfter(CANCEL_POLL_MILLIS);
        }

        StatusMapper.Result result = StatusMapper.map(new StatusMapper.Input(generation(migration),
                status.getPhase(), status.getMessage(), status.getJobName(), status.getCompletedAt(), state, null,
                true, status.getConditions(), runnerReported(migration), RunnerPodScheduling.none()), Instant.now());
        OwnFields own = ownFields(migration, status, result, state, false, Instant.now());
        if (own.changes(status)) {
            statusWriter.apply(migration, own.status(), own.force());
        }
        if (result.announce()) {
            events.normal(migration, StatusMapper.REASON_CANCELLING, result.message());
        }
        return DeleteControl.noFinalizerRemoval().rescheduleAfter(CANCEL_POLL_MILLIS);
    }

    private List<SchemaMigration> sameTarget(SchemaMigration migration, Context<SchemaMigration> context,
            boolean fromServer) {
        if (!fromServer) {
            return context.getPrimaryCache().byIndex(MigrationGate.TARGET_INDEX, MigrationTarget.of(migration).key());
        }
        var resources = client.resources(SchemaMigration.class);
        var configuration = context.getControllerConfiguration();
        List<SchemaMigration> all;
        if (configuration.watchAllNamespaces()) {
            all = resources.inAnyNamespace().list().getItems();
        } else {
            all = configuration.getEffectiveNamespaces(configuration.getConfigurationService()).stream().flatMap(ns -> resources.inNamespace(ns).list().getItems().stream()).toList();
        }
        MigrationTarget target = MigrationTarget.of(migration);
        return all.stream().filter(m -> target.equals(MigrationTarget.of(m))).toList();
    }

    private Job getJob(SchemaMigration migration, String name) {
        return client.batch().v1().jobs().inNamespace(migration.getMetadata().getNamespace()).withName(name).get();
    }

    /**
     * The operator's status fields as it applies them: all of them, every time (a field it owned and leaves out would
     * be removed), with phase and message as {@link PhaseOwnership} says.
     *
     * @param force whether the apply takes phase and message over from the runner
     * @param dropped fields the operator owns on the stored resource and no longer sends: applying releases them
     */
    record OwnFields(SchemaMigrationStatus status, boolean force, boolean dropped) {

        /** Whether applying would change anything in {@code current} (values, or who owns them). */
        boolean changes(SchemaMigrationStatus current) {
            return force || dropped || SchemaMigrationReconciler.changes(current, status);
        }
    }

    @SuppressWarnings("unchecked")
    static OwnFields ownFields(SchemaMigration migration, SchemaMigrationStatus stored, StatusMapper.Result result,
            JobState job, boolean recordStart, Instant now) {
        Set<String> operatorHolds = StatusApply.ownedStatusFields(migration, StatusApply.OPERATOR);

        SchemaMigrationStatus own = new SchemaMigrationStatus();
        own.setObservedGeneration(generation(migration));
        own.setConditions(result.conditions());
        own.setJobName(stored.getJobName());
        own.setStartedAt(stored.getStartedAt());
        if (recordStart) {
            own.setJobName(RunnerJobs.jobName(migration));
            own.setStartedAt(timestamp(now));
        }
        if (result.setCompletedAt()) {
            own.setCompletedAt(timestamp(now));
        } else if (operatorHolds.contains("completedAt")) {
            own.setCompletedAt(stored.getCompletedAt());
        }

        // Only a Job that has ended (or vanished) can no longer be written for by its runner. While it runs, the copy
        // decided on may predate the runner's first write: forcing from it would overwrite the runner's phase, even
        // its final Succeeded, with the operator's Pending; unforced, the API server refuses it and the operator
        // decides again on the fresh copy.
        boolean jobEnded = stored.getJobName() != null && !result.createJob()
                && (job.isFinished() || job.kind() == JobState.Kind.ABSENT);
        PhaseOwnership.Write write = PhaseOwnership.decide(result.operatorOwnsPhase(), jobEnded,
                operatorHolds.contains("phase") || operatorHolds.contains("message"), runnerReported(migration));
        switch (write) {
            case APPLY, TAKE_OVER -> {
                own.setPhase(result.phase());
                own.setMessage(result.message());
            }
            case KEEP -> {
                own.setPhase(stored.getPhase());
                own.setMessage(stored.getMessage());
            }
            case LEAVE -> {
            }
        }
        boolean dropped = (operatorHolds.contains("phase") && own.getPhase() == null)
                || (operatorHolds.contains("message") && own.getMessage() == null)
                || (operatorHolds.contains("completedAt") && own.getCompletedAt() == null);
        // A field of the operator's still owned by a writer from before the field managers (an operator upgraded
        // mid-migration; its merge patches were "Update"s) would refuse every apply with 409: take those over once.
        // Only fields the operator writes anyway, and only while such a writer holds one, so the runner's ownership
        // stays enforced.
        Map<String, Object> mine = Serialization.jsonMapper().convertValue(own, Map.class);
        boolean legacy = StatusApply.statusFieldsOfOtherWriters(migration).stream().anyMatch(mine::containsKey);
        return new OwnFields(own, write == PhaseOwnership.Write.TAKE_OVER || legacy, dropped);
    }

    /** Whether applying {@code own} would change any value in {@code current}. */
    static boolean changes(SchemaMigrationStatus current, SchemaMigrationStatus own) {
        return differs(own.getPhase(), current.getPhase())
                || differs(own.getMessage(), current.getMessage())
                || differs(own.getObservedGeneration(), current.getObservedGeneration())
                || differs(own.getJobName(), current.getJobName())
                || differs(own.getStartedAt(), current.getStartedAt())
                || differs(own.getCompletedAt(), current.getCompletedAt())
                || differs(own.getConditions(), current.getConditions());
    }

    private static boolean differs(Object mine, Object theirs) {
        return mine != null && !Objects.equals(mine, theirs);
    }

    /** Whether the runner's field manager holds phase or message: it has reported. */
    private static boolean runnerReported(SchemaMigration migration) {
        Set<String> runnerHolds = StatusApply.ownedStatusFields(migration, StatusApply.RUNNER);
        return runnerHolds.contains("phase") || runnerHolds.contains("message");
    }

    private static SchemaMigrationStatus statusOf(SchemaMigration migration) {
        return migration.getStatus() == null ? new SchemaMigrationStatus() : migration.getStatus();
    }

    private static boolean isFinished(SchemaMigrationStatus status) {
        return status.getPhase() != null && status.getPhase().isFinished();
    }

    private static long generation(SchemaMigration migration) {
        Long g = migration.getMetadata().getGeneration();
        return g == null ? 0 : g;
    }

    private static String key(SchemaMigration migration) {
        return migration.getMetadata().getNamespace() + "/" + migration.getMetadata().getName();
    }

    private static String timestamp(Instant instant) {
        return instant.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private static Instant parse(String timestamp) {
        try {
            return timestamp == null ? null : Instant.parse(timestamp);
        } catch (RuntimeException e) {
            return null;
        }
    }

}
