package io.transmog.engine.apply;

import io.transmog.engine.DaemonThreads;
import io.transmog.engine.MigrationException;
import io.transmog.engine.binlog.ChangedKeys;
import io.transmog.engine.db.Database;
import io.transmog.engine.db.Retry;
import io.transmog.engine.db.Warnings;
import io.transmog.engine.sql.KeyTuple;
import io.transmog.engine.sql.SqlBuilder;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Carries changes of the original into the ghost table by re-syncing changed keys: in
 * one transaction, delete the keys from the ghost and insert their current rows from
 * the original. The server converts every value exactly as the copy does, and a row
 * deleted in the meantime simply is not re-inserted.
 *
 * <p>When more keys are pending than one batch holds, up to {@link #PARALLEL_BATCHES} batches are re-synced at once,
 * each in its own transaction on its own connection, and the call returns only when all have committed. A re-sync
 * reads one row after another, and once the tables outgrew the buffer pool each read waited on the disk: one stream
 * fell behind 2,000 writes/s that the writers, on connections of their own, kept up (MySQL 9.7, 1M rows, 64 MiB
 * pool). The batches of one round hold different keys (each taken from the pending set once), so their order does not
 * matter, and rounds run one after the other: a key changed again meanwhile is re-synced by a later round, after this
 * one committed. Callers see whole rounds: what a call returns has committed.
 *
 * <p>Keys the copy has yet to read ({@code leftToCopy}, see RowCopier#willCopy) are taken from the pending set and not
 * re-synced: the chunk that reaches them later reads their rows as they are then. Under writes spread over the table,
 * half of what changes during the copy lies ahead of it.
 */
public final class Applier implements AutoCloseable {
    /** Re-sync runs after which a duplicate key is a real collision, not a race with a chunk being copied. */
    private static final int DUPLICATE_ATTEMPTS = 3;
    private static final int PARALLEL_BATCHES = 4;
    private final Connection connection;
    private final Supplier<Connection> connect;
    private final SqlBuilder sql;
    private final ChangedKeys changedKeys;
    private final Predicate<KeyTuple> leftToCopy;
    /** Connections for a round's other batches, opened when a backlog first needs them; closed by {@link #close()}. */
    private final List<Connection> helpers = new ArrayList<>();
    private final ExecutorService workers = Executors.newCachedThreadPool(DaemonThreads.named("transmog-apply"));
    private long keysApplied;
    private long keysLeftToCopy;
    private long keysTaken;

    /**
     * @param connection the main connection, re-syncing one batch of every round (not closed here)
     * @param connect opens the connections for a round's other batches
     * @param leftToCopy keys whose rows the copy will read later, asked on the calling thread when a key is taken
     * @param appliedBefore keys a previous run of this migration applied, so counters continue
     */
    public Applier(Connection connection, Supplier<Connection> connect, SqlBuilder sql, ChangedKeys changedKeys,
                   Predicate<KeyTuple> leftToCopy, long appliedBefore) throws SQLException {
        this.connection = prepare(connection);
        this.connect = connect;
        this.sql = sql;
        this.changedKeys = changedKeys;
        this.leftToCopy = leftToCopy;
        this.keysApplied = appliedBefore;
    }

    /**
     * As the copy (RowCopier): a re-sync reads the newest committed rows under shared locks and needs no snapshot;
     * REPEATABLE READ would fail it with error 1020 on MariaDB 11.6+ when a writer got there first.
     */
    private static Connection prepare(Connection connection) throws SQLException {
        connection.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
        connection.setAutoCommit(false);
        return connection;
    }

    /**
     * Re-syncs the keys pending now, {@code batchSize} per transaction, or leaves them to the copy. Keys that arrive
     * meanwhile wait for the next call, so a write storm cannot starve the copy. Returns the keys taken.
     */
    public long applyPending(int batchSize) throws SQLException {
        return applyPending(batchSize, Long.MAX_VALUE);
    }

    /**
     * As {@link #applyPending(int)}, but returns after about {@code maxMillis}: under a
     * sustained write storm the copy still gets its turn, and the rest stays pending.
     */
    public long applyPending(int batchSize, long maxMillis) throws SQLException {
        return applyPending(batchSize, maxMillis, connection);
    }

    /**
     * As {@link #applyPending(int)}, on another connection and one batch at a time: the cut-over's own, when only it
     * can read the original (it holds it WRITE-locked). That connection must have autocommit off.
     */
    public long applyPendingOn(Connection via, int batchSize) throws SQLException {
        return applyPending(batchSize, Long.MAX_VALUE, via);
    }

    private long applyPending(int batchSize, long maxMillis, Connection via) throws SQLException {
        int budget = changedKeys.size();
        long deadline = System.nanoTime() + Math.min(maxMillis, Long.MAX_VALUE / 2_000_000) * 1_000_000;
        long taken = 0;
        while (taken < budget && System.nanoTime() < deadline) {
            Round round = takeRound(via == connection ? PARALLEL_BATCHES : 1, batchSize);
            if (round.taken() == 0) {
                break;
            }
            long keys = round.batches().isEmpty() ? 0 : resyncAll(round.batches(), via);
            keysApplied += keys;
            keysLeftToCopy += round.taken() - keys;
            keysTaken += round.taken();
            taken += round.taken();
        }
        return taken;
    }

    /** Up to {@code batches} batches of keys to re-sync, and how many keys were taken for them (those left to the copy too). */
    private record Round(List<List<KeyTuple>> batches, long taken) {
    }

    private Round takeRound(int batches, int batchSize) {
        List<List<KeyTuple>> round = new ArrayList<>();
        long taken = 0;
        while (round.size() < batches) {
            List<KeyTuple> keys = changedKeys.take(batchSize);
            taken += keys.size();
            List<KeyTuple> batch = new ArrayList<>(keys.size());
            for (KeyTuple key : keys) {
                if (!leftToCopy.test(key)) {
                    batch.add(key);
                }
            }
            if (!batch.isEmpty()) {
                round.add(batch);
            }
            if (keys.size() < batchSize) {
                break; // nothing more pending
            }
        }
        return new Round(round, taken);
    }

    /** Re-syncs the round's first batch on {@code first}, the others on helper connections at the same time. */
    private long resyncAll(List<List<KeyTuple>> round, Connection first) throws SQLException {
        List<Future<?>> others = new ArrayList<>();
        for (int i = 1; i < round.size(); i++) {
            Connection helper = helper(i - 1);
            List<KeyTuple> batch = round.get(i);
            others.add(workers.submit(() -> {
                resync(batch, helper);
                return null;
            }));
        }
        Throwable failure = null;
        try {
            resync(round.get(0), first);
        } catch (SQLException | RuntimeException e) {
            failure = e;
        }
        for (Future<?> other : others) {
            try {
                other.get();
            } catch (ExecutionException e) {
                failure = failure == null ? e.getCause() : failure;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure = failure == null ? new MigrationException("interrupted while re-syncing changed keys") : failure;
            }
        }
        if (failure instanceof SQLException e) {
            throw e;
        }
        if (failure instanceof RuntimeException e) {
            throw e;
        }
        if (failure != null) {
            throw new MigrationException("re-syncing changed keys failed: " + failure);
        }
        return round.stream().mapToLong(List::size).sum();
    }

    private Connection helper(int index) throws SQLException {
        while (helpers.size() <= index) {
            helpers.add(prepare(connect.get()));
        }
        return helpers.get(index);
    }

    public long keysApplied() {
        return keysApplied;
    }

    /**
     * Keys taken from the pending set by this run, re-synced or left to the copy: once it passes a mark taken as
     * this count plus the keys pending then, every key pending at the mark is in the ghost or will be copied.
     */
    public long keysTaken() {
        return keysTaken;
    }

    /** Keys taken but not re-synced, because the copy had yet to read their rows (this run only). */
    public long keysLeftToCopy() {
        return keysLeftToCopy;
    }

    private void resync(List<KeyTuple> keys, Connection connection) throws SQLException {
        for (int attempt = 1; ; attempt++) {
            try {
                resyncOnce(keys, connection);
                break;
            } catch (SQLException e) {
                if (e.getErrorCode() != Warnings.DUPLICATE_ENTRY) {
                    throw e;
                }
                // A chunk copied alongside (RowCopier) can insert one of these keys between this transaction's DELETE,
                // which found nothing to lock, and its INSERT. Run again, its DELETE removes that committed row (the
                // same row: both read it under shared locks). A real collision on a unique key stays.
                if (attempt >= DUPLICATE_ATTEMPTS) {
                    throw Warnings.duplicate("applying changed rows", e.getMessage());
                }
            }
        }
    }

    /** Stops the helper threads (a round under way has finished: every call waits for its round) and closes their connections. */
    @Override
    public void close() throws SQLException {
        workers.shutdownNow();
        Database.closeAll(helpers);
    }

    private void resyncOnce(List<KeyTuple> keys, Connection connection) throws SQLException {
        Retry.onTransientErrors("re-syncing " + keys.size() + " changed keys", () -> {
            try (PreparedStatement delete = sql.deleteFromGhost(keys).prepare(connection);
                 PreparedStatement insert = sql.insertFromOriginal(keys).prepare(connection)) {
                delete.executeUpdate();
                insert.executeUpdate();
                Warnings.requireNone(insert, "applying changed rows");
                connection.commit();
            } catch (SQLException | MigrationException e) {
                connection.rollback();
                throw e;
            }
            return null;
        });
    }
}
