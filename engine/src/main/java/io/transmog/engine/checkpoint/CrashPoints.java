package io.transmog.engine.checkpoint;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Named points where a crash test can stop the process dead (as kill -9 would), set
 * with {@code -Dtransmog.crashAt=<name>} or {@code <name>#<n>} for the n-th time the point
 * is reached. Timing a signal from outside cannot hit a window of a few milliseconds,
 * such as the moment the cut-over lock is held.
 */
public final class CrashPoints {
    public static final String CHECKPOINT = "checkpoint";
    public static final String CUT_OVER_LOCKED = "cutover-locked";
    /** The RENAME has swapped the tables; the original still has the sentry's name. */
    public static final String SWAPPED = "swapped";
    /** Everything done but dropping the changelog table. */
    public static final String FINISHING = "finishing";

    private static final String TARGET = System.getProperty("transmog.crashAt", "");
    private static final String TARGET_POINT = TARGET.split("#", 2)[0];
    private static final int TARGET_COUNT = TARGET.contains("#") ? Integer.parseInt(TARGET.split("#", 2)[1]) : 1;
    private static final AtomicInteger REACHED = new AtomicInteger();

    private CrashPoints() {
    }

    public static void reached(String point) {
        if (point.equals(TARGET_POINT) && REACHED.incrementAndGet() == TARGET_COUNT) {
            System.err.println("crash point " + TARGET + " reached: halting");
            Runtime.getRuntime().halt(137);
        }
    }
}
