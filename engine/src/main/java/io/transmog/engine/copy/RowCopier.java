package io.transmog.engine.copy;

import io.transmog.engine.DaemonThreads;
import io.transmog.engine.MigrationException;
import io.transmog.engine.db.Database;
import io.transmog.engine.db.Retry;
import io.transmog.engine.db.Warnings;
import io.transmog.engine.sql.KeyColumn;
import io.transmog.engine.sql.KeyOrder;
import io.transmog.engine.sql.KeyQueries;
import io.transmog.engine.sql.KeyTuple;
import io.transmog.engine.sql.SqlBuilder;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * Copies the original into the ghost table in chunks of consecutive chunking-key
 * values, from the first key to the last key as they were when the copy started (rows
 * beyond it are carried by the binlog). Each chunk is one INSERT IGNORE ... SELECT, so
 * copying a chunk twice, as after a crash, is harmless.
 * <p>
 * Up to {@code streams} chunks (a live setting) are copied at once, each in its own transaction on its own
 * connection, while the caller's thread plans the next chunks and applies binlog changes: one
 * INSERT ... SELECT at a time leaves the server idle between statements and its other cores
 * unused. Chunks cover disjoint key ranges and each holds share locks on the rows it reads
 * until its commit, so copying them in any order, alongside each other and alongside the
 * applier's re-syncs, gives what copying them one by one gives (see the README's copy section).
 * Progress and {@link #copiedUpTo()} only count a chunk once every chunk before it committed:
 * a checkpoint never claims a range with a gap in it.
 */
public final class RowCopier implements AutoCloseable {
    /** Copy runs after which rows still missing from the ghost are a real collision, not a race with writers. */
    private static final int COLLISION_RUNS = 3;
    private static final long CLOSE_WAIT_SECONDS = 30;
    private final Connection planner;
    private final Supplier<Connection> connect;
    private final SqlBuilder sql;
    private final List<KeyColumn> key;
    /** The key's order, where Java knows it (see {@link #willCopy}); null otherwise. */
    private final Comparator<KeyTuple> keyOrder;
    private final String chunkKeyName;
    private final IntSupplier streams;
    private final ChunkSizer chunkSizer;
    private final ExecutorService workers;
    /** Worker connections not copying a chunk now: one per stream at the most streams asked for so far. */
    private final BlockingQueue<Connection> idleConnections = new LinkedBlockingQueue<>();
    private final List<Connection> openedConnections = new ArrayList<>();
    /** Chunks started and not yet counted, in key order; a chunk is counted once every chunk before it committed. */
    private final Deque<Chunk> inFlight = new ArrayDeque<>();
    /** Hands back each chunk's result as it commits, whichever chunk that is. */
    private final CompletionService<Copied> completions;
    /** Chunks started whose result {@link #completions} has yet to hand back. */
    private int running;
    /** The next chunk's range, planned while the streams copy; null when none is planned ahead. */
    private Range next;
    private KeyTuple last;
    private KeyTuple plannedUpTo;
    private boolean allPlanned;
    private KeyTuple copiedUpTo;
    private boolean rangeFixed;
    private boolean started;
    /** The first key the copy starts from, inclusive; null when resuming. */
    private KeyTuple first;
    private final boolean resumed;
    private boolean done;
    private long rowsCopied;

    private record Chunk(KeyTuple end, Future<Copied> copied) {
    }

    private record Range(KeyTuple from, boolean fromInclusive, KeyTuple end, int plannedRows) {
    }

    /**
     * A chunk's rows as planned, its rows covered (copied, or found already written by the applier) and its time from
     * statement to commit.
     */
    private record Copied(int plannedRows, long rowsCovered, long nanos) {
    }

    /**
     * @param planner connection for the reads that find chunk bounds (not closed here)
     * @param connect opens the connections chunks are copied on, one per stream, closed by {@link #close()}
     * @param streams chunks copied at once (1: one after the other, as gh-ost does), read before each chunk starts
     * @param chunkSizer the rows of each chunk, asked when it is planned and told how long each took
     * @param resumed whether a previous run of this migration wrote to the ghost (it resumes from a checkpoint)
     * @param resumeAfter end of the last chunk a previous run copied (from its checkpoint), or null
     * @param rowsCopiedBefore rows that run had copied, so progress continues where it was
     */
    public RowCopier(Connection planner, Supplier<Connection> connect, IntSupplier streams, ChunkSizer chunkSizer, SqlBuilder sql,
                     List<KeyColumn> key, String ghostChunkKeyName, boolean resumed, KeyTuple resumeAfter, boolean copyDone, long rowsCopiedBefore) {
        this.planner = planner;
        this.connect = connect;
        this.streams = streams;
        this.chunkSizer = chunkSizer;
        this.sql = sql;
        this.key = key;
        this.keyOrder = KeyOrder.of(key).orElse(null);
        this.chunkKeyName = ghostChunkKeyName;
        this.copiedUpTo = resumeAfter;
        this.plannedUpTo = resumeAfter;
        this.done = copyDone;
        this.resumed = resumed;
        this.rowsCopied = rowsCopiedBefore;
        // Threads (and connections, see idleConnection) as the setting asks for them; they are reused after.
        this.workers = Executors.newCachedThreadPool(DaemonThreads.named("transmog-copy"));
        this.completions = new ExecutorCompletionService<>(workers);
    }

    /** Inclusive end of the chunks committed without a gap; null before the first. */
    public KeyTuple copiedUpTo() {
        return copiedUpTo;
    }

    /** The rows the next chunk is planned with. */
    public int chunkRows() {
        return chunkSizer.rows();
    }

    public boolean isDone() {
        return done;
    }

    public long rowsCopied() {
        return rowsCopied;
    }

    /**
     * Fixes the copy's range: the last key now (rows past it arrive through the binlog) and, unless resuming, the first.
     * Call once the binlog stream has started and before anything is applied, so that {@link #willCopy} can answer for
     * every change the applier sees; the first chunk calls it otherwise.
     */
    public void fixRange() throws SQLException {
        if (rangeFixed || done) {
            return;
        }
        rangeFixed = true;
        planner.setAutoCommit(false);
        last = edge(true).orElse(null);
        first = copiedUpTo == null ? edge(false).orElse(null) : null;
        if (last == null || (copiedUpTo == null && first == null)) {
            done = true;
        }
    }

    /**
     * Whether the copy has yet to read this key's row: it lies within the copy's range and past every chunk planned so
     * far. A change to such a row needs no re-sync (Applier): the chunk that covers it is planned later, so it reads the
     * row as the change left it (or finds it gone), and the ghost holds no row of that key its INSERT IGNORE would keep,
     * because nothing but the copy's chunks writes there before them: the applier asks here before every re-sync, from
     * the moment the range is fixed ({@link #fixRange}), on the thread that plans the chunks. A resumed copy answers
     * false: the run before it may have re-synced any key. False too once the copy is done, and for keys Java cannot
     * order ({@link KeyOrder}).
     */
    public boolean willCopy(KeyTuple changed) {
        if (keyOrder == null || !rangeFixed || done || resumed || allPlanned || keyOrder.compare(changed, last) > 0) {
            return false;
        }
        return plannedUpTo == null ? keyOrder.compare(changed, first) >= 0 : keyOrder.compare(changed, plannedUpTo) > 0;
    }

    /**
     * Starts chunks (of the {@link ChunkSizer}'s rows) until {@code streams} are under way, then waits for one of them to
     * commit; returns the rows of the chunks counted by it (none while an older chunk is still under way, all that
     * waited for it when it was the oldest). With {@code keepBusy}, it then starts as many as that one freed before
     * returning, so that the streams go on copying while the caller applies changes: otherwise they ran dry each time
     * the caller re-synced a batch, and under 2,000 writes/s the copy ran at a third of its idle rate.
     */
    public long copyNextChunk(boolean keepBusy) throws SQLException {
        if (done) {
            return 0;
        }
        if (!started) {
            started = true;
            fixRange();
            if (done) {
                return 0;
            }
            if (first != null) {
                next = plan(first, true);
            }
        }
        startUpToStreams();
        // None under way only when every chunk was planned and finishChunksUnderWay saw them commit.
        if (running > 0) {
            awaitOneCommit();
            if (keepBusy) {
                startUpToStreams();
            }
        }
        long covered = countCommitted();
        done = allPlanned && next == null && inFlight.isEmpty();
        return covered;
    }

    /**
     * Waits for every chunk under way to commit, starting none, and returns the rows counted by them: before the copy
     * holds (paused, throttled), so that nothing more is written to the ghost once the hold is reported. Each chunk is
     * one short transaction. It leaves {@link #isDone()} to the next {@link #copyNextChunk}: the copy's end (a
     * checkpoint, which applies changes) must wait for the hold's end.
     */
    public long finishChunksUnderWay() throws SQLException {
        while (running > 0) {
            awaitOneCommit();
        }
        return countCommitted();
    }

    /** Waits for whichever chunk under way commits first and tells the sizer how long it took. */
    private void awaitOneCommit() throws SQLException {
        Copied committed = await(nextCommitted());
        chunkSizer.copied(committed.plannedRows(), committed.rowsCovered(), committed.nanos());
    }

    /** Counts the chunks that committed with none before them under way; returns their rows. */
    private long countCommitted() throws SQLException {
        long covered = 0;
        while (!inFlight.isEmpty() && inFlight.peekFirst().copied().isDone()) {
            Chunk oldest = inFlight.removeFirst();
            long rows = await(oldest.copied()).rowsCovered();
            copiedUpTo = oldest.end();
            rowsCopied += rows;
            covered += rows;
        }
        return covered;
    }

    /**
     * Starts chunks until {@code streams} are under way, then plans the one after them: finding a chunk's end is a
     * round trip that, made only once a stream had finished, left that stream idle for it (1.7 ms a chunk against
     * 11 ms of copying, MariaDB 10.11 with two streams busy on 2 cores).
     */
    private void startUpToStreams() throws SQLException {
        planAhead();
        while (next != null && running < Math.max(1, streams.getAsInt())) {
            inFlight.add(start(next));
            next = null;
            planAhead();
        }
    }

    private void planAhead() throws SQLException {
        if (next == null && !allPlanned) {
            next = plan(plannedUpTo, false);
        }
    }

    private Range plan(KeyTuple from, boolean fromInclusive) throws SQLException {
        int rows = chunkSizer.rows();
        KeyTuple end = endingTransaction(() -> KeyQueries.first(planner, sql.chunkEnd(from, fromInclusive, last, rows), key))
                .orElse(last);
        plannedUpTo = end;
        allPlanned = end.equals(last);
        return new Range(from, fromInclusive, end, rows);
    }

    private Chunk start(Range range) {
        running++;
        return new Chunk(range.end(), completions.submit(() -> {
            Connection connection = idleConnection();
            long started = System.nanoTime();
            try {
                long rows = copy(connection, range.from(), range.fromInclusive(), range.end());
                return new Copied(range.plannedRows(), rows, System.nanoTime() - started);
            } finally {
                idleConnections.add(connection);
            }
        }));
    }

    private Connection idleConnection() throws SQLException {
        Connection connection = idleConnections.poll();
        if (connection != null) {
            return connection;
        }
        connection = connect.get();
        synchronized (openedConnections) {
            openedConnections.add(connection);
        }
        // A chunk needs no snapshot: its locking read takes the newest committed rows and holds them until the
        // commit, which is what orders it before later changes in the binlog. Under REPEATABLE READ, MariaDB 11.6+
        // (innodb_snapshot_isolation=ON) fails such a read with error 1020 whenever a writer changed a row after
        // the transaction's snapshot, and MySQL's gap locks would hold up inserts into the whole chunk's range.
        connection.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
        connection.setAutoCommit(false);
        return connection;
    }

    /** Waits for whichever chunk under way commits first: waiting for the oldest left a stream that finished first idle. */
    private Future<Copied> nextCommitted() {
        try {
            Future<Copied> committed = completions.take();
            running--;
            return committed;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MigrationException("interrupted while waiting for a chunk copy", e);
        }
    }

    private static Copied await(Future<Copied> copied) throws SQLException {
        try {
            return copied.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MigrationException("interrupted while waiting for a chunk copy", e);
        } catch (ExecutionException e) {
            // The worker's own exception, so that callers see a lost connection or a collision as such.
            if (e.getCause() instanceof SQLException sqlException) {
                throw sqlException;
            }
            if (e.getCause() instanceof RuntimeException runtimeException) {
                throw runtimeException;
            }
            throw new MigrationException("copying a chunk failed: " + e.getCause(), e.getCause());
        }
    }

    private long copy(Connection connection, KeyTuple from, boolean fromInclusive, KeyTuple end) throws SQLException {
        return Retry.onTransientErrors("copying a chunk", () -> {
            try (PreparedStatement copy = sql.copyChunk(from, fromInclusive, end).prepare(connection)) {
                long inserted = copy.executeLargeUpdate();
                Warnings.Duplicates duplicates = Warnings.requireOnlyDuplicates(copy, chunkKeyName, "copying rows");
                if (duplicates.onOtherKey() != null) {
                    inserted += requireNoCollision(connection, copy, from, fromInclusive, end, duplicates.onOtherKey());
                }
                connection.commit();
                // Rows the applier had written already count as copied: progress is rows covered.
                return inserted + duplicates.count();
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        });
    }

    /** Lets the chunks under way finish (each is one short transaction), then closes their connections. */
    @Override
    public void close() throws SQLException {
        workers.shutdown();
        try {
            if (!workers.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            workers.shutdownNow();
            Thread.currentThread().interrupt();
        }
        synchronized (openedConnections) {
            Database.closeAll(openedConnections);
        }
    }

    /**
     * After a copy that skipped rows as duplicates on a unique key other than the chunking key: each was either a row
     * the applier had already written (harmless) or a row that really collides with another on the altered table's
     * key. Then chunk rows are missing from the ghost. But at READ COMMITTED (see the constructor) no gap locks hold
     * the chunk's range, so a row a writer inserted into it (or moved into it) after the copy read the range is missing
     * too, for the moment: the binlog brings it. So the copy statement runs again, and only a key missing after every
     * run is a collision: the copy's share locks keep a colliding row it read where it is, while a writer's row is
     * copied by the next run. A busy range may show new writers' rows after each run (that no bound on the runs could
     * rule out), but those rows came after the first read, so their inserts are binlog events the applier re-syncs,
     * and a collision among them fails its INSERT. Returns the rows the extra runs inserted.
     */
    private long requireNoCollision(Connection connection, PreparedStatement copy, KeyTuple from, boolean fromInclusive, KeyTuple to,
                                    String duplicate) throws SQLException {
        long inserted = 0;
        Set<KeyTuple> missingAfterEveryRun = missing(connection, from, fromInclusive, to);
        for (int run = 1; !missingAfterEveryRun.isEmpty(); run++) {
            if (run > COLLISION_RUNS) {
                throw Warnings.duplicate("copying rows", duplicate);
            }
            inserted += copy.executeLargeUpdate();
            Warnings.requireOnlyDuplicates(copy, chunkKeyName, "copying rows");
            missingAfterEveryRun.retainAll(missing(connection, from, fromInclusive, to));
        }
        return inserted;
    }

    /** Keys of chunk rows the ghost lacks; asked inside the copy's transaction, while its share locks hold the copied rows. */
    private Set<KeyTuple> missing(Connection connection, KeyTuple from, boolean fromInclusive, KeyTuple to) throws SQLException {
        Set<KeyTuple> keys = new HashSet<>();
        try (PreparedStatement statement = sql.missingFromGhost(from, fromInclusive, to).prepare(connection);
             ResultSet rs = statement.executeQuery()) {
            while (rs.next()) {
                keys.add(KeyQueries.read(rs, key));
            }
        }
        return keys;
    }

    private Optional<KeyTuple> edge(boolean lastKey) throws SQLException {
        return endingTransaction(() -> KeyQueries.first(planner, sql.edgeKey(lastKey), key));
    }

    /**
     * Runs a read on this connection (autocommit is off) and ends its transaction whatever happens: a read left
     * open keeps a metadata lock on the original, and the cut-over's RENAME would wait on it until it times out,
     * as it did on an empty table, where no chunk's commit followed the key reads.
     */
    private <T> T endingTransaction(Retry.SqlWork<T> read) throws SQLException {
        try {
            return read.run();
        } finally {
            planner.commit();
        }
    }
}
