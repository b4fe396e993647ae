package io.transmog.engine;

import java.util.Locale;

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

    /**
     * gh-ost's one-line status (the answer to {@code sup}, {@code GH_OST_STATUS} of the on-status hooks), with the
     * time the migration has been running.
     */
    public String summary(long elapsedSeconds) {
        String state = phase.name() + (throttled ? ", throttled: " + throttleReason : "");
        String eta = etaSeconds == null ? "N/A" : etaSeconds == 0 ? "due" : duration(etaSeconds);
        return String.format(Locale.ROOT,
                "Copy: %d/%d %.1f%%; Rate: %.0f rows/s; Applied: %d; Lag: %.2fs, ReplicaLag: %.2fs; State: %s; Time: %s; ETA: %s",
                rowsCopied, rowsEstimated, percent, rowsPerSecond, eventsApplied,
                lagMillis / 1000.0, replicaLagMillis / 1000.0, state, duration(elapsedSeconds), eta);
    }

    private static String duration(long seconds) {
        if (seconds < 60) {
            return seconds + "s";
        }
        if (seconds < 3600) {
            return seconds / 60 + "m" + seconds % 60 + "s";
        }
        return seconds / 3600 + "h" + seconds % 3600 / 60 + "m" + seconds % 60 + "s";
    }
}
