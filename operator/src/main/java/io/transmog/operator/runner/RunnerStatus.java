package io.transmog.operator.runner;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.transmog.engine.MigrationStatus;
import io.transmog.engine.StatusTracker;
import io.transmog.operator.model.Phase;

/**
 * The runner's status fields for one migration: what they say for each snapshot of the engine's
 * {@link StatusTracker} ({@link StatusReport}, in the runner's context), and when they are written
 * ({@link StatusReporter}: every phase change, a fresh snapshot every interval, the outcome last).
 * <p>
 * Snapshots of the engine's end are never streamed: the runner records the outcome itself
 * ({@link #recordOutcome}) once it has decided it is one (a lost database is retried instead).
 */
final class RunnerStatus {

    /** The outcome as recorded (or not, within the deadline). */
    record Recorded(Phase phase, String message, boolean written) {
    }

    private final Supplier<StatusReport.Context> context;
    private final StatusReporter reporter;
    /**
     * Fixed by the first body that shows a finished phase, so that every retry of the outcome shows the same time;
     * written by whichever thread builds it first.
     */
    private final AtomicReference<Instant> completedAt = new AtomicReference<>();

    private RunnerStatus(KubernetesClient client, String namespace, String name, Duration interval,
            StatusTracker tracker, Supplier<StatusReport.Context> context) {
        this.context = context;
        this.reporter = new StatusReporter(client, namespace, name, () -> progress(tracker.snapshot()), interval);
    }

    /**
     * The status of the migration that {@code tracker} follows: each phase change is queued for writing from now
     * on; periodic writes begin with {@link #start}.
     *
     * @param context the runner's side of the message, asked for each body (on the thread that builds it)
     */
    static RunnerStatus following(StatusTracker tracker, KubernetesClient client, String namespace, String name,
            Duration interval, Supplier<StatusReport.Context> context) {
        RunnerStatus status = new RunnerStatus(client, namespace, name, interval, tracker, context);
        tracker.addListener(snapshot -> status.progress(snapshot).ifPresent(status.reporter::phaseChanged));
        return status;
    }

    /** Starts the periodic writes; {@code beforeEachWrite} runs on the status thread first. */
    void start(Runnable beforeEachWrite) {
        reporter.onTick(beforeEachWrite);
        reporter.start();
    }

    /** Writes soon: something in the message changed. */
    void poke() {
        reporter.poke();
    }

    /**
     * Stops the periodic writes and writes {@code snapshot} last (a SIGTERM's "stopped", a crash's last progress).
     *
     * @return whether it was recorded within {@code deadline}
     */
    boolean writeLast(MigrationStatus snapshot, Duration deadline) {
        return reporter.finish(body(snapshot, context.get()), deadline);
    }

    /** Stops the periodic writes and records the migration's end, retrying until {@code deadline}. */
    Recorded recordOutcome(MigrationStatus end, Duration deadline) {
        StatusReport.Context now = context.get();
        boolean written = reporter.finish(body(end, now), deadline);
        return new Recorded(StatusReport.phase(end, now), StatusReport.message(end, now), written);
    }

    private Optional<Map<String, Object>> progress(MigrationStatus snapshot) {
        return snapshot.phase().isTerminal() ? Optional.empty() : Optional.of(body(snapshot, context.get()));
    }

    private Map<String, Object> body(MigrationStatus snapshot, StatusReport.Context now) {
        Instant shown = Instant.now();
        if (snapshot.phase().isTerminal()) {
            completedAt.compareAndSet(null, shown);
            shown = completedAt.get();
        }
        return StatusReport.body(snapshot, now, shown);
    }
}
