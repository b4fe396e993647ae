package io.transmog.engine.copy;

import io.transmog.engine.Controls;

import java.util.function.IntSupplier;

/**
 * How many rows the copy's next chunk takes: the configured chunk size as it is, or, with a chunk time (the
 * default), as many as the copy's own pace says fit in that time. Every chunk is a statement, a commit and a binlog
 * transaction, and 1,000 rows of a narrow table take about 10 ms: on MariaDB 10.11 (1M sysbench rows, 2 cores) 1,000
 * such chunks cost the server 0.4–0.6 CPU s more than 100 of 10,000 rows, and a one-stream copy took 7.2–7.8 s with
 * 1,000-row chunks against 6.2 s with 5,000. A fixed larger size would not do either: a chunk of wide rows, or one on a
 * loaded server, holds its share locks, and with them the writers of those rows, for longer. A time keeps both bounded.
 * <p>
 * After each chunk's commit the next size is the rows that chunk would have copied in the target time at its own pace,
 * at most twice and at least half the current size (one slow chunk, say one that waited for a writer's lock, does not
 * collapse the size, and a fast first chunk does not overshoot), within [{@link Controls#MIN_CHUNK_SIZE},
 * {@link Controls#MAX_CHUNK_SIZE}]. A chunk that copied less than half the rows it was planned with (the last one, a
 * range thinned by deletes) says little of the pace and is left out. A changed configured size (the flag, the
 * control socket, the resource's spec) starts over from it. Not thread-safe: the migration loop's thread calls it.
 */
public final class ChunkSizer {
    private final IntSupplier configuredRows;
    private final IntSupplier targetMillis;
    private int adaptedFrom = -1;
    private int rows;

    /**
     * @param configuredRows the chunk size as configured (live): the first chunk's size, or every chunk's without a time
     * @param targetMillis   the time a chunk should take (live); 0 keeps every chunk at the configured size, as gh-ost does
     */
    public ChunkSizer(IntSupplier configuredRows, IntSupplier targetMillis) {
        this.configuredRows = configuredRows;
        this.targetMillis = targetMillis;
    }

    /** Every chunk of this many rows. */
    public static ChunkSizer fixed(int rows) {
        return new ChunkSizer(() -> rows, () -> 0);
    }

    /** The rows to plan the next chunk with. */
    public int rows() {
        int configured = configuredRows.getAsInt();
        if (targetMillis.getAsInt() == 0) {
            adaptedFrom = -1;
            return configured;
        }
        if (configured != adaptedFrom) {
            adaptedFrom = configured;
            rows = configured;
        }
        return rows;
    }

    /** A chunk planned with {@code plannedRows} copied {@code copiedRows} in {@code nanos}, from its statement to its commit. */
    public void copied(int plannedRows, long copiedRows, long nanos) {
        int current = rows();
        int target = targetMillis.getAsInt();
        if (target == 0 || nanos <= 0 || copiedRows * 2 < plannedRows) {
            return;
        }
        double atThisPace = copiedRows * (target * 1_000_000.0) / nanos;
        double bounded = Math.max(current / 2.0, Math.min(current * 2.0, atThisPace));
        rows = (int) Math.max(Controls.MIN_CHUNK_SIZE, Math.min(Controls.MAX_CHUNK_SIZE, bounded));
    }
}
