package io.transmog.operator.runner;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;

import io.transmog.engine.MigrationStatus;
import io.transmog.operator.model.Phase;

/**
 * Pure: one engine {@link MigrationStatus} snapshot to the body of the runner's server-side apply of
 * {@code status}. It holds the runner's fields only (phase, message, progress, cutOver, plan, completedAt: see
 * SchemaMigrationStatus), never the operator's. A field that is empty now is {@code null} here and left out of the
 * apply, which removes a value the runner set before, so a stale value (an old throttle reason, an old cut-over
 * error) never lingers.
 */
public final class StatusReport {

    static final String AWAITING_APPROVAL = "copy complete, the ghost table is kept in sync: waiting for "
            + "spec.cutOver.approved=true to cut over";
    static final String STOPPED_FOR_RESTART = "the runner pod was stopped (SIGTERM) in phase %s; the Job's next pod "
            + "resumes the migration from its last checkpoint";

    /**
     * How the runner is doing, beside the engine's snapshot.
     *
     * @param dryRun spec.dryRun: the plan is reported
     * @param awaitingApproval the cut-over is held for spec.cutOver.approved
     * @param stoppingForRestart the pod is stopping (SIGTERM) without the resource being deleted: the migration is
     *        not over (its phase stays; the message says so), the Job's next pod resumes it
     * @param note refused live settings, appended to the message (null: none)
     */
    public record Context(boolean dryRun, boolean awaitingApproval, boolean stoppingForRestart, String note,
            Redactor redactor) {
    }

    private StatusReport() {
    }

    /** The phase the resource shows for this snapshot. */
    public static Phase phase(MigrationStatus s, Context context) {
        Phase phase = Phase.parse(s.phase().name());
        return phase == null ? Phase.Pending : phase;
    }

    /**
     * {@code {"status": {...}}}, the runner's whole intent for its status fields.
     *
     * @param completedAt when the migration reached a finished phase (only used if this snapshot's phase is one)
     */
    public static Map<String, Object> body(MigrationStatus s, Context context, Instant completedAt) {
        Phase phase = phase(s, context);
        Redactor redactor = redactor(context);

        Map<String, Object> progress = new LinkedHashMap<>();
        progress.put("rowsCopied", s.rowsCopied());
        progress.put("rowsEstimated", s.rowsEstimated());
        progress.put("percent", s.percent());
        progress.put("etaSeconds", s.etaSeconds());
        progress.put("rowsPerSecond", s.rowsPerSecond());
        progress.put("eventsApplied", s.eventsApplied());
        progress.put("lagMillis", s.lagMillis());
        progress.put("replicaLagMillis", s.replicaLagMillis());
        progress.put("throttled", s.throttled());
        progress.put("throttleReason", s.throttled() ? redactor.apply(s.throttleReason()) : null);

        Map<String, Object> cutOver = new LinkedHashMap<>();
        cutOver.put("attempts", s.cutOverAttempts());
        cutOver.put("lastError", redactor.apply(s.cutOverLastError()));
        cutOver.put("stallMillis", s.cutOverStallMillis());

        Map<String, Object> status = new LinkedHashMap<>();
        status.put("phase", phase.name());
        status.put("message", message(s, context));
        status.put("progress", progress);
        status.put("cutOver", cutOver);
        if (context.dryRun() && s.plan() != null) {
            status.put("plan", redactor.apply(s.plan()));
        }
        if (phase.isFinished()) {
            status.put("completedAt", completedAt.truncatedTo(ChronoUnit.SECONDS).toString());
        }
        return Map.of("status", status);
    }

    /** The message the resource shows for this snapshot, redacted. */
    public static String message(MigrationStatus s, Context context) {
        Phase phase = phase(s, context);
        String message;
        if (context.stoppingForRestart() && !phase.isFinished()) {
            message = String.format(STOPPED_FOR_RESTART, s.phase());
        } else if (phase == Phase.AwaitingCutOver && context.awaitingApproval()) {
            message = AWAITING_APPROVAL;
        } else {
            message = s.message() == null || s.message().isBlank() ? phase.name() : s.message();
        }
        if (context.note() != null && !phase.isFinished()) {
            message = message + " (" + context.note() + ")";
        }
        return redactor(context).apply(message);
    }

    private static Redactor redactor(Context context) {
        return context.redactor() == null ? Redactor.none() : context.redactor();
    }

    /** The body of a finished phase recorded without the engine having run (invalid spec, deleted before start). */
    public static Map<String, Object> finished(Phase phase, String message, Redactor redactor, Instant now) {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("phase", phase.name());
        status.put("message", (redactor == null ? Redactor.none() : redactor).apply(message));
        status.put("completedAt", now.truncatedTo(ChronoUnit.SECONDS).toString());
        return Map.of("status", status);
    }
}
