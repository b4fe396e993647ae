package io.transmog.load;

import java.util.Arrays;
import java.util.Locale;

/**
 * Timed samples (when each one started, how long it took), appended by one thread and read
 * after it stopped. Summaries are over the samples that started inside a window.
 */
public final class Latencies {
    private long[] starts = new long[1024];
    private long[] nanos = new long[1024];
    private int size;

    /** Receives one sample: when it started (System.nanoTime()) and how long it took. */
    @FunctionalInterface
    public interface SampleConsumer {
        void accept(long startNanos, long latencyNanos);
    }

    public void add(long startNanos, long latencyNanos) {
        if (size == starts.length) {
            starts = Arrays.copyOf(starts, size * 2);
            nanos = Arrays.copyOf(nanos, size * 2);
        }
        starts[size] = startNanos;
        nanos[size] = latencyNanos;
        size++;
    }

    public void forEach(SampleConsumer consumer) {
        for (int i = 0; i < size; i++) {
            consumer.accept(starts[i], nanos[i]);
        }
    }

    /** The samples of all {@code parts} that started in {@code [from, to)}, summarised. */
    public static Summary between(Iterable<Latencies> parts, long from, long to) {
        long[] picked = new long[16];
        int count = 0;
        for (Latencies part : parts) {
            for (int i = 0; i < part.size; i++) {
                if (part.starts[i] >= from && part.starts[i] < to) {
                    if (count == picked.length) {
                        picked = Arrays.copyOf(picked, count * 2);
                    }
                    picked[count++] = part.nanos[i];
                }
            }
        }
        long[] sorted = Arrays.copyOf(picked, count);
        Arrays.sort(sorted);
        return new Summary(count, percentile(sorted, 50), percentile(sorted, 99), count == 0 ? 0 : sorted[count - 1]);
    }

    private static long percentile(long[] sorted, int p) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    /** Count and nearest-rank percentiles of latencies, in nanoseconds. */
    public record Summary(int count, long p50, long p99, long max) {
        public double p50Millis() {
            return p50 / 1e6;
        }

        public double p99Millis() {
            return p99 / 1e6;
        }

        public double maxMillis() {
            return max / 1e6;
        }

        public String describe() {
            return count == 0 ? "no samples"
                    : String.format(Locale.ROOT, "p50 %.1f / p99 %.1f / max %.1f ms (%d)", p50Millis(), p99Millis(),
                    maxMillis(), count);
        }
    }
}
