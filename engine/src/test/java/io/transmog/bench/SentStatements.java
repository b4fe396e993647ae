package io.transmog.bench;

import java.util.Arrays;

/**
 * When a bench probe sent each of its statements (System.nanoTime()), so that the server's statement counter can be
 * read net of them: a phase's round trips are transmog's own. One probe thread writes; read only after it stopped.
 */
final class SentStatements {
    private long[] times = new long[1024];
    private int count;

    void sent() {
        if (count == times.length) {
            times = Arrays.copyOf(times, count * 2);
        }
        times[count++] = System.nanoTime();
    }

    /** The statements sent in {@code [from, to)}. */
    long between(long from, long to) {
        long n = 0;
        for (int i = 0; i < count; i++) {
            if (times[i] >= from && times[i] < to) {
                n++;
            }
        }
        return n;
    }
}
