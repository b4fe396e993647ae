package io.transmog.engine.copy;

import io.transmog.engine.Controls;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class ChunkSizerTest {
    private static final long MS = 1_000_000L;

    private final AtomicInteger configured = new AtomicInteger(1000);
    private final AtomicInteger targetMillis = new AtomicInteger(50);
    private final ChunkSizer sizer = new ChunkSizer(configured::get, targetMillis::get);

    /** Copies a full chunk of the current size at {@code rowsPerMs}; returns the size planned after it. */
    private int copyAt(double rowsPerMs) {
        int rows = sizer.rows();
        sizer.copied(rows, rows, (long) (rows / rowsPerMs * MS));
        return sizer.rows();
    }

    @Test
    void withoutATimeEveryChunkHasTheConfiguredSize() {
        targetMillis.set(0);
        assertThat(sizer.rows()).isEqualTo(1000);
        sizer.copied(1000, 1000, MS);
        assertThat(sizer.rows()).as("a fast chunk changes nothing").isEqualTo(1000);
        assertThat(ChunkSizer.fixed(100).rows()).isEqualTo(100);
    }

    @Test
    void growsTowardTheTimeAtMostTwofoldAChunk() {
        // 100 rows/ms: 5,000 rows fit in 50 ms.
        assertThat(copyAt(100)).isEqualTo(2000);
        assertThat(copyAt(100)).isEqualTo(4000);
        assertThat(copyAt(100)).isEqualTo(5000);
        assertThat(copyAt(100)).as("settled").isEqualTo(5000);
    }

    @Test
    void shrinksAtMostByHalfAChunk() {
        configured.set(8000);
        // 10 rows/ms: 500 rows fit in 50 ms.
        assertThat(copyAt(10)).isEqualTo(4000);
        assertThat(copyAt(10)).isEqualTo(2000);
        assertThat(copyAt(10)).isEqualTo(1000);
        assertThat(copyAt(10)).isEqualTo(500);
        assertThat(copyAt(10)).isEqualTo(500);
    }

    @Test
    void staysWithinTheChunkSizeLimits() {
        for (int i = 0; i < 20; i++) {
            copyAt(1_000_000);
        }
        assertThat(sizer.rows()).isEqualTo(Controls.MAX_CHUNK_SIZE);
        for (int i = 0; i < 30; i++) {
            copyAt(0.001);
        }
        assertThat(sizer.rows()).isEqualTo(Controls.MIN_CHUNK_SIZE);
    }

    @Test
    void aChunkWithFewerThanHalfItsPlannedRowsSaysNothingOfThePace() {
        sizer.copied(1000, 400, 100 * MS);
        assertThat(sizer.rows()).as("the last chunk, or a range thinned by deletes").isEqualTo(1000);
        sizer.copied(1000, 500, 100 * MS);
        assertThat(sizer.rows()).as("half its rows in twice the time: 250 would fit, half the size is the floor").isEqualTo(500);
    }

    @Test
    void aNewConfiguredSizeOrTimeTakesEffectAtOnce() {
        copyAt(100);
        copyAt(100);
        assertThat(sizer.rows()).isEqualTo(4000);
        configured.set(300);
        assertThat(sizer.rows()).as("a chunk size set while copying starts over from it").isEqualTo(300);
        assertThat(copyAt(100)).isEqualTo(600);
        targetMillis.set(0);
        assertThat(sizer.rows()).as("no time: the configured size").isEqualTo(300);
        targetMillis.set(10);
        assertThat(copyAt(100)).as("a time again: from the configured size, toward 1,000 rows in 10 ms").isEqualTo(600);
    }
}
