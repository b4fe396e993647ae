package io.transmog.engine.copy;

import org.junit.jupiter.api.Test;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class StreamTunerTest {
    private static final long CHUNK_ROWS = 1000;

    private long now = 1_000_000_000L;
    private final AtomicInteger allowed = new AtomicInteger(2);
    private final StreamTuner tuner = new StreamTuner(allowed::get, () -> now);

    /** Copies chunks at the given rate for as long as a window needs; returns the decision it ended with, if any. */
    private Optional<String> copyWindow(double rowsPerSecond) {
        Optional<String> decision = Optional.empty();
        long chunkNanos = (long) (CHUNK_ROWS * 1e9 / rowsPerSecond);
        long until = now + StreamTuner.WINDOW_NANOS;
        int chunks = 0;
        while (now < until || chunks < StreamTuner.WINDOW_CHUNKS) {
            now += chunkNanos;
            chunks++;
            decision = tuner.copied(CHUNK_ROWS);
            if (decision.isPresent()) {
                break;
            }
        }
        return decision;
    }

    @Test
    void measuresTheMaximumThenOneStreamAndKeepsTheFaster() {
        assertThat(tuner.streams()).as("a copy shorter than a window runs as configured").isEqualTo(2);
        assertThat(copyWindow(100_000)).isEmpty();
        assertThat(tuner.streams()).as("second window: one stream").isEqualTo(1);
        assertThat(copyWindow(60_000)).hasValueSatisfying(d -> assertThat(d).startsWith("copying with 2 streams: 100,000 rows/s with 2, 60,000 with 1"));
        assertThat(tuner.streams()).isEqualTo(2);
    }

    @Test
    void oneStreamWinsUnlessTheMaximumIsClearlyFaster() {
        copyWindow(105_000);
        assertThat(copyWindow(100_000)).hasValueSatisfying(d -> assertThat(d).startsWith("copying with 1 stream:"));
        assertThat(tuner.streams()).as("5 %% faster is within the margin").isEqualTo(1);
    }

    @Test
    void oneStreamsWindowEndsEarlyOnlyWhenTheMaximumIsClearlyFaster() {
        copyWindow(176_000);
        long oneStarted = now;
        assertThat(copyWindow(106_000)).hasValueSatisfying(d -> assertThat(d).startsWith("copying with 2 streams:"));
        assertThat(now - oneStarted).as("decided after about a second")
                .isBetween(StreamTuner.EARLY_NANOS, StreamTuner.EARLY_NANOS + 10_000_000L);

        now += StreamTuner.SETTLED_NANOS;
        tuner.copied(CHUNK_ROWS);
        copyWindow(115_000);
        oneStarted = now;
        assertThat(copyWindow(100_000)).hasValueSatisfying(d -> assertThat(d).startsWith("copying with 2 streams:"));
        assertThat(now - oneStarted).as("15 %% faster: the whole window").isGreaterThanOrEqualTo(StreamTuner.WINDOW_NANOS);
    }

    @Test
    void measuresAgainAfterAWhileAsTheLoadChanges() {
        copyWindow(50_000);
        copyWindow(80_000);
        long settled = now;
        assertThat(tuner.streams()).isEqualTo(1);
        assertThat(copyWindow(80_000)).isEmpty();
        assertThat(tuner.streams()).as("settled: nothing measured within the minute").isEqualTo(1);
        now = settled + StreamTuner.SETTLED_NANOS;
        tuner.copied(CHUNK_ROWS);
        assertThat(tuner.streams()).as("a minute on: the maximum measured again").isEqualTo(2);
        copyWindow(120_000);
        assertThat(tuner.streams()).as("then one stream").isEqualTo(1);
        assertThat(copyWindow(70_000)).hasValueSatisfying(d -> assertThat(d).contains("120,000 rows/s with 2, 70,000 with 1"));
        assertThat(tuner.streams()).isEqualTo(2);
    }

    @Test
    void timeTheCopyWasHeldDoesNotCount() {
        // Part of a window at the maximum, then throttled for a minute: without leaving that out, the maximum's rate
        // would look a fraction of what it is.
        for (int i = 0; i < 20; i++) {
            now += 10_000_000L;
            tuner.copied(CHUNK_ROWS);
        }
        now += 60_000_000_000L;
        tuner.interrupted();
        copyWindow(100_000);
        assertThat(copyWindow(80_000)).hasValueSatisfying(d -> assertThat(d).contains("100,000 rows/s with 2"));
        assertThat(tuner.streams()).isEqualTo(2);
    }

    @Test
    void aWindowNeedsItsChunksNotOnlyItsTime() {
        // Two slow chunks of 2 s each take a window's time, but say little.
        now += 2_000_000_000L;
        assertThat(tuner.copied(CHUNK_ROWS)).isEmpty();
        now += 2_000_000_000L;
        tuner.copied(CHUNK_ROWS);
        assertThat(tuner.streams()).as("still measuring the maximum").isEqualTo(2);
    }

    @Test
    void oneAllowedIsOneWithoutMeasuringAndAChangedMaximumStartsOver() {
        allowed.set(1);
        assertThat(tuner.streams()).isEqualTo(1);
        assertThat(copyWindow(100_000)).isEmpty();
        assertThat(copyWindow(100_000)).isEmpty();
        allowed.set(4);
        assertThat(tuner.streams()).isEqualTo(4);
        copyWindow(200_000);
        assertThat(tuner.streams()).isEqualTo(1);
        assertThat(copyWindow(100_000)).hasValueSatisfying(d -> assertThat(d).startsWith("copying with 4 streams"));
    }
}
