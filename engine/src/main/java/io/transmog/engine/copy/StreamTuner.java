package io.transmog.engine.copy;

import java.util.Locale;
import java.util.Optional;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * How many chunks the copy runs at once: as many as allowed ({@code --copy-threads}, live) or one, whichever the copy's
 * own measured rate says is faster. Neither is faster everywhere. Two streams use cores an idle server has to spare and
 * overlap one chunk's disk waits with another's work; on a server whose few cores the writers already keep busy they
 * cost more server CPU than they gain (2 cores, 1M rows under 2,000 writes/s: the copy took 16.1 s with two streams and
 * 10.3 s with one on MariaDB 10.11, and the server spent 17.0 against 12.3 CPU seconds; idle, both took 8–9 s).
 * <p>
 * So it measures: rows copied per second over a window of {@link #WINDOW_NANOS} with the maximum, then one with one
 * stream, keeps the faster (the maximum only when it is at least {@link #MARGIN} times as fast: one stream asks less
 * of the server; one stream's window ends early when the maximum is clearly faster), and measures again every
 * {@link #SETTLED_NANOS}, since the writers' load changes. The maximum goes first so that a copy shorter than a
 * window runs as configured: the tests' short copies keep exercising several streams at once. Time the copy does not
 * run (throttled, paused) is left out of every window. Not thread-safe: the migration loop's thread calls it.
 */
public final class StreamTuner {
    static final long WINDOW_NANOS = 3_000_000_000L;
    /** Chunks a window needs besides its time, so that a few slow chunks do not decide. */
    static final int WINDOW_CHUNKS = 8;
    static final long SETTLED_NANOS = 60_000_000_000L;
    static final double MARGIN = 1.1;
    /**
     * One stream's window ends after {@link #EARLY_NANOS} (and its chunks) if the maximum was already this many times
     * as fast: the rest of the window would only confirm it at one stream's rate (an idle 1M-row copy on MariaDB 10.11
     * with innodb_autoinc_lock_mode=2 spent 3 s at 106,000 rows/s to learn that two streams, at 176,000, win). Twice
     * {@link #MARGIN}'s lead: idle, two streams led one by 1.23–1.39× in nine such copies, and at 1.3 four of them
     * spent the whole window at one stream's rate.
     */
    static final double CLEAR_MARGIN = 1.2;
    static final long EARLY_NANOS = 1_000_000_000L;

    private enum State { MEASURING_MAXIMUM, MEASURING_ONE, SETTLED }

    private final IntSupplier maximum;
    private final LongSupplier clock;
    private int tunedFor;
    private State state;
    private int streams;
    private long windowStarted;
    private long windowRows;
    private int windowChunks;
    private double maximumRate;
    private long settledAt;

    /**
     * @param maximum the streams allowed (a live setting, at least 1)
     * @param clock   nanoseconds, as {@link System#nanoTime()}
     */
    public StreamTuner(IntSupplier maximum, LongSupplier clock) {
        this.maximum = maximum;
        this.clock = clock;
        restart(Math.max(1, maximum.getAsInt()));
    }

    /** The streams to copy with now; a changed maximum starts the measuring over. */
    public int streams() {
        int allowed = Math.max(1, maximum.getAsInt());
        if (allowed != tunedFor) {
            restart(allowed);
        }
        return streams;
    }

    /** The copy was held (throttled, paused): the window so far does not tell its rate. */
    public void interrupted() {
        startWindow();
    }

    /**
     * Counts a chunk's rows; when that ends a window, returns what was decided, for the log (e.g. "copying with 1
     * stream: 61,000 rows/s against 48,000 with 2").
     */
    public Optional<String> copied(long rows) {
        streams();
        if (tunedFor == 1) {
            return Optional.empty();
        }
        long now = clock.getAsLong();
        if (state == State.SETTLED) {
            if (now - settledAt >= SETTLED_NANOS) {
                measure(State.MEASURING_MAXIMUM, tunedFor);
            }
            return Optional.empty();
        }
        windowRows += rows;
        windowChunks++;
        long elapsed = now - windowStarted;
        if (windowChunks < WINDOW_CHUNKS || elapsed < EARLY_NANOS) {
            return Optional.empty();
        }
        double rate = windowRows * 1e9 / elapsed;
        boolean maximumClearlyFaster = state == State.MEASURING_ONE && maximumRate >= rate * CLEAR_MARGIN;
        if (elapsed < WINDOW_NANOS && !maximumClearlyFaster) {
            return Optional.empty();
        }
        if (state == State.MEASURING_MAXIMUM) {
            maximumRate = rate;
            measure(State.MEASURING_ONE, 1);
            return Optional.empty();
        }
        boolean maximumWins = maximumRate >= rate * MARGIN;
        state = State.SETTLED;
        streams = maximumWins ? tunedFor : 1;
        settledAt = now;
        return Optional.of(String.format(Locale.ROOT, "copying with %d stream%s: %,.0f rows/s with %d, %,.0f with 1;"
                        + " measured again in %d s", streams, streams == 1 ? "" : "s", maximumRate, tunedFor, rate,
                SETTLED_NANOS / 1_000_000_000L));
    }

    private void restart(int allowed) {
        tunedFor = allowed;
        if (allowed == 1) {
            state = State.SETTLED;
            streams = 1;
            return;
        }
        measure(State.MEASURING_MAXIMUM, allowed);
    }

    private void measure(State next, int withStreams) {
        state = next;
        streams = withStreams;
        startWindow();
    }

    private void startWindow() {
        windowStarted = clock.getAsLong();
        windowRows = 0;
        windowChunks = 0;
    }
}
