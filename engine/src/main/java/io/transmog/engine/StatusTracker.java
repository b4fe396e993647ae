package io.transmog.engine;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Holds the live numbers of a migration and turns them into {@link MigrationStatus}
 * snapshots. Listeners hear of every phase change; periodic reporting is the caller's.
 */
public final class StatusTracker {
    private static final Logger LOG = LoggerFactory.getLogger(StatusTracker.class);

    private final String table;
    private final List<Consumer<MigrationStatus>> listeners = new CopyOnWriteArrayList<>();
    private volatile Phase phase = Phase.Pending;
    private volatile String message = "";
    private volatile long rowsCopied;
    /** Rows an earlier run had copied: progress continues from them, the rate counts only this run's. */
    private volatile long rowsCopiedBefore;
    private volatile long rowsEstimated;
    private volatile long eventsApplied;
    private volatile long copyStartedNanos;
    private volatile long copyEndedNanos;
    private volatile String throttleReason;
    private volatile int cutOverAttempts;
    private volatile String cutOverLastError;
    private volatile Long cutOverStallMillis;
    private volatile String plan;
    private volatile LongSupplier lag = () -> 0;
    private volatile LongSupplier replicaLag = () -> 0;

    public StatusTracker(String table) {
        // Logged before the name is validated: a newline in it must not forge a log line.
        this.table = table == null ? "" : table.replaceAll("\\p{Cntrl}", "?");
    }

    /** The table's name as the logs show it. */
    public String table() {
        return table;
    }

    public void addListener(Consumer<MigrationStatus> listener) {
        listeners.add(listener);
    }

    public void phase(Phase next, String why) {
        boolean changed = phase != next || !message.equals(why);
        phase = next;
        message = why;
        if (next == Phase.Copying && copyStartedNanos == 0) {
            copyStartedNanos = System.nanoTime();
        }
        if (changed) {
            LOG.info("table={} phase={} {}", table, next, why);
            MigrationStatus snapshot = snapshot();
            listeners.forEach(l -> l.accept(snapshot));
        }
    }

    public Phase phase() {
        return phase;
    }

    void copyFinished() {
        copyEndedNanos = System.nanoTime();
    }

    /** After the swap there is no stream left to lag behind. */
    void streamStopped() {
        lag = () -> 0;
        replicaLag = () -> 0;
    }

    void rowsEstimated(long rows) {
        rowsEstimated = rows;
    }

    void rowsCopied(long rows) {
        rowsCopied = rows;
    }

    /** A resumed run starts where its checkpoint left off, from its first status line on. */
    void resumedFrom(long rowsCopied, long eventsApplied) {
        this.rowsCopied = rowsCopied;
        this.rowsCopiedBefore = rowsCopied;
        this.eventsApplied = eventsApplied;
    }

    void eventsApplied(long events) {
        eventsApplied = events;
    }

    /** Logs when throttling starts, ends or changes its kind, not each time a lag figure moves. */
    void throttled(String reason) {
        String previous = throttleReason;
        if (reason != null && (previous == null || !kind(reason).equals(kind(previous)))) {
            LOG.info("table={} phase={} throttled: {}", table, phase, reason);
        } else if (reason == null && previous != null) {
            LOG.info("table={} phase={} throttling ended", table, phase);
        }
        throttleReason = reason;
    }

    private static String kind(String reason) {
        return reason.replaceAll("[0-9.]+", "#");
    }

    void cutOverAttempt(int attempt, String lastError) {
        cutOverAttempts = attempt;
        cutOverLastError = lastError;
    }

    void cutOverStall(long millis) {
        cutOverStallMillis = millis;
    }

    void plan(String text) {
        plan = text;
    }

    void lagSources(LongSupplier streamLag, LongSupplier replicaLagSource) {
        lag = streamLag;
        replicaLag = replicaLagSource;
    }

    /** Seconds spent copying rows so far (all of the copy once it is done); 0 before it starts. */
    public double copySeconds() {
        long started = copyStartedNanos;
        if (started == 0) {
            return 0;
        }
        long ended = copyEndedNanos;
        return ((ended != 0 ? ended : System.nanoTime()) - started) / 1e9;
    }

    public MigrationStatus snapshot() {
        long copied = rowsCopied;
        long estimated = Math.max(rowsEstimated, copied);
        double percent = phase == Phase.Succeeded || copyEndedNanos != 0 ? 100.0
                : estimated == 0 ? (phase.ordinal() >= Phase.AwaitingCutOver.ordinal() ? 100.0 : 0.0)
                : Math.min(100.0, 100.0 * copied / estimated);
        long end = copyEndedNanos != 0 ? copyEndedNanos : System.nanoTime();
        double seconds = copyStartedNanos == 0 ? 0 : (end - copyStartedNanos) / 1e9;
        double rate = seconds > 0 ? Math.max(0, copied - rowsCopiedBefore) / seconds : 0;
        Long eta = copyEndedNanos != 0 ? Long.valueOf(0) : rate > 0 ? Long.valueOf(Math.round((estimated - copied) / rate)) : null;
        String reason = throttleReason;
        return new MigrationStatus(phase, message, copied, estimated, Math.round(percent * 10) / 10.0, eta,
                Math.round(rate * 10) / 10.0, eventsApplied, lag.getAsLong(), replicaLag.getAsLong(),
                reason != null, reason, cutOverAttempts, cutOverLastError, cutOverStallMillis, plan);
    }
}
