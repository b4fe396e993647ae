package io.transmog.engine;

/**
 * One consistent snapshot of a migration's progress, the shape of the CLI's
 * {@code --status-json} line and of the resource's {@code status.progress}.
 */
public record MigrationStatus(
        Phase phase,
        String message,
        long rowsCopied,
        long rowsEstimated,
        double percent,
        Long etaSeconds,
        double rowsPerSecond,
        long eventsApplied,
        long lagMillis,
        long replicaLagMillis,
        boolean throttled,
        String throttleReason,
        int cutOverAttempts,
        String cutOverLastError,
        Long cutOverStallMillis,
        String plan) {
}
