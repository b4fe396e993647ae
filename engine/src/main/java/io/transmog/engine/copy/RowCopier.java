package io.transmog.engine.copy;

import io.transmog.engine.db.Retry;
import io.transmog.engine.db.Warnings;
import io.transmog.engine.sql.KeyColumn;
import io.transmog.engine.sql.KeyQueries;
import io.transmog.engine.sql.KeyTuple;
import io.transmog.engine.sql.SqlBuilder;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/**
 * Copies the original into the ghost table in chunks of consecutive chunking-key
 * values, from the first key to the last key as they were when the copy started (rows
 * beyond it are carried by the binlog). Each chunk is one INSERT IGNORE ... SELECT, so
 * copying a chunk twice, as after a crash, is harmless.
 */
public final class RowCopier {
    /** Copy runs after which rows still missing from the ghost are a real collision, not a race with writers. */
    private static final int COLLISION_RUNS = 3;
    private final Connection connection;
    private final SqlBuilder sql;
    private final List<KeyColumn> key;
    private final String chunkKeyName;
    private KeyTuple last;
    private KeyTuple copiedUpTo;
    private boolean started;
    private boolean done;
    private long rowsCopied;

    /**
     * @param resumeAfter end of the last chunk a previous run copied (from its checkpoint), or null
     * @param rowsCopiedBefore rows that run had copied, so progress continues where it was
     */
    public RowCopier(Connection connection, SqlBuilder sql, List<KeyColumn> key, String ghostChunkKeyName,
                     KeyTuple resumeAfter, boolean copyDone, long rowsCopiedBefore) throws SQLException {
        this.connection = connection;
        this.sql = sql;
        this.key = key;
        this.chunkKeyName = ghostChunkKeyName;
        this.copiedUpTo = resumeAfter;
        this.done = copyDone;
        this.rowsCopied = rowsCopiedBefore;
        // A chunk needs no snapshot: its locking read takes the newest committed rows and holds them until the
        // commit, which is what orders it before later changes in the binlog. Under REPEATABLE READ, MariaDB 11.6+
        // (innodb_snapshot_isolation=ON) fails such a read with error 1020 whenever a writer changed a row after
        // the transaction's snapshot, and MySQL's gap locks would hold up inserts into the whole chunk's range.
        connection.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
        connection.setAutoCommit(false);
    }

    /** Inclusive end of the last committed chunk; null before the first. */
    public KeyTuple copiedUpTo() {
        return copiedUpTo;
    }

    public boolean isDone() {
        return done;
    }

    public long rowsCopied() {
        return rowsCopied;
    }

    /** Copies the next chunk of up to {@code chunkSize} rows; returns the rows it covered. */
    public long copyNextChunk(int chunkSize) throws SQLException {
        if (done) {
            return 0;
        }
        if (!started) {
            started = true;
            // Rows past today's last key arrive through the binlog; the copy stops here.
            last = edge(true).orElse(null);
            Optional<KeyTuple> first = copiedUpTo == null ? edge(false) : Optional.empty();
            if (last == null || (copiedUpTo == null && first.isEmpty())) {
                done = true;
                return 0;
            }
            if (first.isPresent()) {
                return copy(first.get(), true, chunkSize);
            }
        }
        return copy(copiedUpTo, false, chunkSize);
    }

    private long copy(KeyTuple from, boolean fromInclusive, int chunkSize) throws SQLException {
        KeyTuple end = endingTransaction(() -> KeyQueries.first(connection, sql.chunkEnd(from, fromInclusive, last, chunkSize), key))
                .orElse(last);
        long covered = Retry.onTransientErrors("copying a chunk", () -> {
            try (PreparedStatement copy = sql.copyChunk(from, fromInclusive, end).prepare(connection)) {
                long inserted = copy.executeLargeUpdate();
                Warnings.Duplicates duplicates = Warnings.requireOnlyDuplicates(copy, chunkKeyName, "copying rows");
                if (duplicates.onOtherKey() != null) {
                    inserted += requireNoCollision(copy, from, fromInclusive, end, duplicates.onOtherKey());
                }
                connection.commit();
                // Rows the applier had written already count as copied: progress is rows covered.
                return inserted + duplicates.count();
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        });
        copiedUpTo = end;
        done = end.equals(last);
        rowsCopied += covered;
        return covered;
    }

    /**
     * After a copy that skipped rows as duplicates on a unique key other than the chunking key: each was either a row
     * the applier had already written (harmless) or a row that really collides with another on the altered table's
     * key. Then chunk rows are missing from the ghost. But at READ COMMITTED (see the constructor) no gap locks hold
     * the chunk's range, so a row a writer inserted into it (or moved into it) after the copy read the range is missing
     * too, for the moment: the binlog brings it. So the copy statement runs again, picking up such rows, until nothing
     * is missing; a real collision stays missing however often it runs. Returns the rows the extra runs inserted.
     */
    private long requireNoCollision(PreparedStatement copy, KeyTuple from, boolean fromInclusive, KeyTuple to,
                                    String duplicate) throws SQLException {
        long inserted = 0;
        for (int run = 1; countMissing(from, fromInclusive, to) > 0; run++) {
            if (run > COLLISION_RUNS) {
                throw Warnings.duplicate("copying rows", duplicate);
            }
            inserted += copy.executeLargeUpdate();
            Warnings.requireOnlyDuplicates(copy, chunkKeyName, "copying rows");
        }
        return inserted;
    }

    /** Chunk rows the ghost lacks; asked inside the copy's transaction, while its share locks hold the copied rows. */
    private long countMissing(KeyTuple from, boolean fromInclusive, KeyTuple to) throws SQLException {
        try (PreparedStatement statement = sql.countMissingFromGhost(from, fromInclusive, to).prepare(connection);
             ResultSet rs = statement.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private Optional<KeyTuple> edge(boolean lastKey) throws SQLException {
        return endingTransaction(() -> KeyQueries.first(connection, sql.edgeKey(lastKey), key));
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
            connection.commit();
        }
    }
}
