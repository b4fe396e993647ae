package io.transmog.operator.reconciler;

/**
 * Whether a migration that has not started yet may start now. Only the operator decides this; once the runner
 * Job exists the gate is no longer consulted.
 */
public record Gate(Kind kind, String reason, String message) {

    public enum Kind {
        /** Everything is in place: create the runner Job. */
        OPEN,
        /** Something outside the resource must change first (Secret, another migration); looked at again later. */
        WAITING,
        /** spec.paused is true: the migration does not start until it is unpaused. */
        PAUSED
    }

    public static final String REASON_SECRET_MISSING = "CredentialsSecretMissing";
    public static final String REASON_SECRET_KEY_MISSING = "CredentialsKeyMissing";
    public static final String REASON_TABLE_BUSY = "TableBusy";
    public static final String REASON_PAUSED = "PausedBeforeStart";
    public static final String REASON_STARTING = "Starting";

    public static Gate open() {
        return new Gate(Kind.OPEN, REASON_STARTING, "starting the runner Job");
    }

    public static Gate waiting(String reason, String message) {
        return new Gate(Kind.WAITING, reason, message);
    }

    public static Gate paused() {
        return new Gate(Kind.PAUSED, REASON_PAUSED,
                "paused before it started: set spec.paused to false to begin");
    }
}
