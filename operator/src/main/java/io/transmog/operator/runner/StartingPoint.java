package io.transmog.operator.runner;

import io.transmog.operator.model.Phase;
import io.transmog.operator.model.SchemaMigration;
import io.transmog.operator.model.SchemaMigrationStatus;

/** Pure: what a runner pod does with its SchemaMigration as it reads it at start. */
enum StartingPoint {
    /** The resource does not exist (deleted): nothing to do. */
    NOT_FOUND,
    /** A finished phase is recorded: nothing to do (the Job's pod after the outcome was recorded). */
    ALREADY_FINISHED,
    /** Being deleted before any runner got past the start: record Cancelled; nothing was changed. */
    DELETED_BEFORE_START,
    /** No runner got past the start: migrate. */
    FIRST_RUN,
    /**
     * An earlier pod got past the start (it reported progress, or a phase beyond Pending and Paused) and stopped:
     * resume from its checkpoint; when the resource is being deleted, cancel, which cleans up what it left.
     */
    RESUME;

    static StartingPoint of(SchemaMigration migration) {
        if (migration == null) {
            return NOT_FOUND;
        }
        SchemaMigrationStatus recorded = migration.getStatus();
        Phase phase = recorded == null ? null : recorded.getPhase();
        if (phase != null && phase.isFinished()) {
            return ALREADY_FINISHED;
        }
        boolean earlierPodStarted = recorded != null && (recorded.getProgress() != null
                || (phase != null && phase != Phase.Pending && phase != Phase.Paused));
        if (earlierPodStarted) {
            return RESUME;
        }
        return migration.getMetadata().getDeletionTimestamp() != null ? DELETED_BEFORE_START : FIRST_RUN;
    }
}
