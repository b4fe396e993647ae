package io.transmog.operator.runner;

import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;

import io.transmog.engine.Controls;
import io.transmog.engine.MigrationConfig;
import io.transmog.engine.MigrationStatus;
import io.transmog.engine.Migrator;
import io.transmog.engine.Phase;
import io.transmog.engine.StatusTracker;

/**
 * The engine's runs for one migration, on the thread that calls {@link #run}: the engine again after each lost
 * database ({@link DatabaseRetry}), until its own end, a deletion (cancel) or the pod stopping. The waits between
 * runs show in the status as phase Pending through the engine's own {@link StatusTracker}.
 */
final class RetryingMigration {

    private static final Duration WAKE_TO_CHECK = Duration.ofMillis(100);

    private final MigrationConfig config;
    private final Controls controls;
    private final StatusTracker tracker;
    private final DatabaseRetry retry;
    private final BooleanSupplier stopping;

    /** @param stopping whether the pod is stopping (SIGTERM without deletion): no new run, no more waiting */
    RetryingMigration(MigrationConfig config, Controls controls, StatusTracker tracker, DatabaseRetry retry,
            BooleanSupplier stopping) {
        this.config = config;
        this.controls = controls;
        this.tracker = tracker;
        this.retry = retry;
        this.stopping = stopping;
    }

    /** The migration's end as the runner records it (the engine's, or Cancelled while the database was away). */
    MigrationStatus run() throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            Migrator migrator = new Migrator(config, controls, tracker);
            MigrationStatus end = migrator.run();
            DatabaseRetry.Next next = retry.afterRun(attempt, migrator.lostConnection(), end.message(),
                    stopping.getAsBoolean(), Optional.ofNullable(controls.cancelReason()));
            if (next instanceof DatabaseRetry.RecordCancelled cancelled) {
                tracker.phase(Phase.Cancelled, cancelled.message());
                return tracker.snapshot();
            }
            if (!(next instanceof DatabaseRetry.Retry later)) {
                return end;
            }
            tracker.phase(Phase.Pending, later.message());
            if (!waitUnlessStopping(later.delay())) {
                return tracker.snapshot();
            }
        }
    }

    /**
     * A deletion ends the wait at once (the next run cancels, and cleans up if the database is back); so does the
     * pod stopping.
     *
     * @return false when the pod is stopping
     */
    private boolean waitUnlessStopping(Duration delay) throws InterruptedException {
        long until = System.nanoTime() + delay.toNanos();
        while (System.nanoTime() < until && controls.cancelReason() == null && !stopping.getAsBoolean()) {
            Thread.sleep(WAKE_TO_CHECK.toMillis());
        }
        return !stopping.getAsBoolean();
    }
}
