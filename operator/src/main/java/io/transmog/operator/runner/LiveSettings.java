package io.transmog.operator.runner;

import java.util.Optional;

import org.jboss.logging.Logger;

import io.transmog.engine.Controls;
import io.transmog.operator.model.SchemaMigration;

/**
 * The SchemaMigration's live fields, applied to the engine's {@link Controls} as they change: {@code spec.paused},
 * {@code spec.throttle.*}, the manual cut-over ({@link MigrationSettings#apply}), and a deletion, which cancels the
 * migration.
 * <p>
 * Thread-safety: the resource arrives on two threads (the informer on each change, the status thread from the
 * informer's cache before each periodic write) and a SIGTERM may cancel on a third. Every change happens under this
 * object's lock, so each one is decided, logged and reported once. The engine reads the Controls, whose fields are
 * volatile, without the lock.
 */
final class LiveSettings {

    private static final Logger LOG = Logger.getLogger(LiveSettings.class);

    private final Controls controls;
    private final String key;
    private final Redactor redactor;
    /** Refused live values, for status.message; guarded by this. */
    private Optional<String> refused = Optional.empty();

    /** @param controls the knobs as the spec had them at start; from now on only this object changes them */
    LiveSettings(Controls controls, String key, Redactor redactor) {
        this.controls = controls;
        this.key = key;
        this.redactor = redactor;
    }

    /** For the engine, which reads them. */
    Controls controls() {
        return controls;
    }

    /**
     * Applies the resource as it is now (idempotent).
     *
     * @return whether the status message may have changed (a value applied or refused, a cancellation)
     */
    synchronized boolean follow(SchemaMigration migration) {
        boolean cancelled = migration.getMetadata().getDeletionTimestamp() != null
                && cancel("the SchemaMigration is being deleted");
        if (migration.getSpec() == null) {
            return cancelled;
        }
        MigrationSettings.Changes changes = MigrationSettings.apply(migration.getSpec(), controls);
        Optional<String> nowRefused = refusedNote(changes);
        boolean refusedChanged = !nowRefused.equals(refused);
        refused = nowRefused;
        if (!changes.applied().isEmpty()) {
            LOG.infof("%s: applied %s", key, String.join(", ", changes.applied()));
        }
        if (refusedChanged) {
            nowRefused.ifPresent(note -> LOG.warnf("%s: %s", key, redactor.apply(note)));
        }
        return cancelled || !changes.applied().isEmpty() || refusedChanged;
    }

    /**
     * Cancels the migration: the engine drops the ghost and changelog tables, the original is untouched.
     *
     * @return true for the first cancellation only (later reasons are not recorded)
     */
    synchronized boolean cancel(String reason) {
        if (cancelRequested()) {
            return false;
        }
        LOG.infof("%s: %s: cancelling the migration (the ghost and changelog tables are dropped, the original is "
                + "untouched)", key, reason);
        controls.cancel(reason);
        return true;
    }

    boolean cancelRequested() {
        return controls.cancelReason() != null;
    }

    boolean awaitingApproval() {
        return controls.postponeCutOver();
    }

    /** The live values that were refused (they keep their previous value), as noted in status.message. */
    synchronized Optional<String> refused() {
        return refused;
    }

    /** Pure: the note for the values {@code changes} refused. */
    static Optional<String> refusedNote(MigrationSettings.Changes changes) {
        return changes.problems().isEmpty() ? Optional.empty()
                : Optional.of("ignored: " + String.join("; ", changes.problems())
                        + "; the previous values stay in effect");
    }
}
