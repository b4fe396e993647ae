package io.transmog.engine.apply;

import io.transmog.engine.MigrationException;
import io.transmog.engine.binlog.ChangedKeys;
import io.transmog.engine.db.Retry;
import io.transmog.engine.db.Warnings;
import io.transmog.engine.sql.KeyTuple;
import io.transmog.engine.sql.SqlBuilder;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;

/**
 * Carries changes of the original into the ghost table by re-syncing changed keys: in
 * one transaction, delete the keys from the ghost and insert their current rows from
 * the original. The server converts every value exactly as the copy does, and a row
 * deleted in the meantime simply is not re-inserted.
 */
public final class Applier {
    /** Re-sync runs after which a duplicate key is a real collision, not a race with a chunk being copied. */
    private static final int DUPLICATE_ATTEMPTS = 3;
    private final Connection connection;
    private final SqlBuilder sql;
    private final ChangedKeys changedKeys;
    private long keysApplied;

    /** @param appliedBefore keys a previous run of this migration applied, so counters continue */
    public Applier(Connection connection, SqlBuilder sql, ChangedKeys changedKeys, long appliedBefore) throws SQLException {
        this.connection = connection;
        this.sql = sql;
        this.changedKeys = changedKeys;
        this.keysApplied = appliedBefore;
        // As the copy (RowCopier): a re-sync reads the newest committed rows under shared locks and needs no
        // snapshot; REPEATABLE READ would fail it with error 1020 on MariaDB 11.6+ when a writer got there first.
        connection.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
        connection.setAutoCommit(false);
    }

    /**
     * Re-syncs the keys pending now, {@code batchSize} per transaction. Keys that arrive
     * meanwhile wait for the next call, so a write storm cannot starve the copy.
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
     * As {@link #applyPending(int)}, on another connection: the cut-over's own, when only it can read the
     * original (it holds it WRITE-locked). That connection must have autocommit off.
     */
    public long applyPendingOn(Connection via, int batchSize) throws SQLException {
        return applyPending(batchSize, Long.MAX_VALUE, via);
    }

    private long applyPending(int batchSize, long maxMillis, Connection via) throws SQLException {
        int budget = changedKeys.size();
        long deadline = System.nanoTime() + Math.min(maxMillis, Long.MAX_VALUE / 2_000_000) * 1_000_000;
        long applied = 0;
        List<KeyTuple> batch;
        while (applied < budget && System.nanoTime() < deadline && !(batch = changedKeys.take(batchSize)).isEmpty()) {
            resync(batch, via);
            applied += batch.size();
        }
        return applied;
    }

    public long keysApplied() {
        return keysApplied;
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
        keysApplied += keys.size();
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
