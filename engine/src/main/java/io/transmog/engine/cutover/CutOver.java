package io.transmog.engine.cutover;

import io.transmog.engine.MigrationException;
import io.transmog.engine.checkpoint.CrashPoints;
import io.transmog.engine.db.Database;
import io.transmog.engine.inspect.Inspector;
import io.transmog.engine.sql.SqlBuilder;
import io.transmog.engine.sql.TableNames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The atomic swap, in one of two ways ({@link CutOverAlgorithm}).
 *
 * <p><b>Sentry</b>: gh-ost's way, adapted to MariaDB (which refuses RENAME under LOCK
 * TABLES). Connection A creates the sentry {@code t$del} and locks the original READ
 * (writers wait; the applier can still read it) and the sentry WRITE. Everything written
 * before the lock is drained into the ghost. Connection B then issues
 * {@code RENAME TABLE t TO t$del, _t_gho TO t}. The server takes a statement's metadata
 * locks in name order, and the sentry sorts after the table, so B queues its exclusive
 * request on the table itself, ahead of the waiting writers, and only then waits for
 * the sentry. Once B is seen waiting, A drops the sentry and unlocks: the RENAME runs
 * first, and the queued writes land in the new table. With gh-ost's sentry name
 * {@code _t_del}, which sorts first, B would still be waiting on the sentry when A
 * unlocks, and writers could slip into the old table (measured: lost writes). If
 * anything fails before the unlock, the sentry still exists, so B's RENAME cannot
 * succeed and the original stays in place. The original then takes its final name,
 * {@code _t_del}.
 *
 * <p><b>Lock and rename</b> (MySQL 8.0.13+, which lets a session RENAME tables it has
 * WRITE-locked): one connection runs {@code LOCK TABLES t WRITE, _t_gho WRITE}, re-syncs
 * the last changed keys itself, runs the same RENAME and unlocks. WRITE on the original is
 * required for the RENAME, and it keeps every other connection from reading the original:
 * so the drain's re-sync (INSERT ... SELECT from the original) must run on the lock's own
 * connection (a READ lock would let the applier read, but cannot be turned into WRITE
 * without unlocking, which lets writers in). Writers queued on the original's metadata lock
 * wake after the unlock and open the table by name: the new one. Nothing is renamed until
 * the one RENAME, so any failure before it only unlocks.
 */
public final class CutOver {
    private static final Logger LOG = LoggerFactory.getLogger(CutOver.class);

    /** Brings the ghost table level with everything committed to the original so far. */
    @FunctionalInterface
    public interface Drain {
        /**
         * @param lockHolder the connection holding the original WRITE-locked, when only it can read the original
         *        (lock and rename): the re-syncs must run on it; empty when the applier's own connection can
         */
        void drain(long timeoutMillis, Optional<Connection> lockHolder) throws Exception;
    }

    private final Database database;
    private final SqlBuilder sql;
    private final TableNames names;
    private final int lockTimeoutSeconds;
    private final GhostTriggers triggers;
    private final CutOverAlgorithm algorithm;

    /** @param algorithm resolved for the server ({@link CutOverAlgorithm#resolve}), not AUTOMATIC */
    public CutOver(Database database, SqlBuilder sql, TableNames names, int lockTimeoutSeconds, GhostTriggers triggers,
                   CutOverAlgorithm algorithm) {
        if (algorithm == CutOverAlgorithm.AUTOMATIC) {
            throw new IllegalArgumentException("resolve the cut-over algorithm for the server first");
        }
        this.database = database;
        this.sql = sql;
        this.names = names;
        this.lockTimeoutSeconds = lockTimeoutSeconds;
        this.triggers = triggers;
        this.algorithm = algorithm;
    }

    /** One attempt. Returns the write stall in milliseconds; throws with the original untouched on failure. */
    public long attempt(Drain drain) throws Exception {
        long stallMillis = algorithm == CutOverAlgorithm.LOCK_AND_RENAME ? lockAndRename(drain) : withSentry(drain);
        CrashPoints.reached(CrashPoints.SWAPPED);
        try (Connection connection = database.connect()) {
            try {
                Database.execute(connection, SqlBuilder.renameSwappedToOld(names));
            } catch (SQLException e) {
                LOG.warn("table={} phase=CuttingOver swap done, but the original stays named {}: {}", names.original(),
                        names.sentry(), e.getMessage());
            }
            LOG.info("table={} phase=CuttingOver swapped {} and {} ({}); writes stalled {} ms", names.original(),
                    names.original(), names.ghost(), algorithm, stallMillis);
            try {
                triggers.restoreNames(connection, lockTimeoutSeconds);
            } catch (SQLException e) {
                LOG.warn("table={} phase=CuttingOver swap done; the triggers {} fire on the new table, but under the names"
                        + " {} ({}): drop the originals from {} and recreate them on {} in a quiet moment", names.original(),
                        triggers.originalNames(), triggers.ghostNames(), e.getMessage(), names.old(), names.original());
            }
        }
        return stallMillis;
    }

    /**
     * Lock and rename: the swap is the same RENAME as the sentry's (to the sentry's name, then to the old table's),
     * so the binlog stream and a resumed run recognise it the same way. The stall is lock-acquired to unlocked.
     */
    private long lockAndRename(Drain drain) throws Exception {
        try (Connection locker = database.connect();
             Connection monitor = database.connect()) {
            Database.execute(locker, "SET SESSION lock_wait_timeout = " + lockTimeoutSeconds);
            // The drain's re-syncs run here, as on the applier's connection: transactions, no snapshot (see Applier).
            locker.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
            locker.setAutoCommit(false);
            // A sentry left by an interrupted sentry attempt has the RENAME's target name.
            dropLeftoverSentry(monitor);
            Database.execute(locker, sql.lockBothForSwap());
            long lockedAt = System.nanoTime();
            boolean triggersOnGhost = false;
            try {
                CrashPoints.reached(CrashPoints.CUT_OVER_LOCKED);
                drain.drain(lockTimeoutSeconds * 1000L, Optional.of(locker));
                triggersOnGhost = !triggers.isEmpty();
                // CREATE TRIGGER needs the ghost WRITE-locked by this session, as it is.
                triggers.createOnGhost(locker);
                Database.execute(locker, sql.swapTables());
            } catch (Exception e) {
                rollBackLocked(locker, triggersOnGhost);
                throw e;
            }
            long stallMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lockedAt);
            try {
                Database.execute(locker, "UNLOCK TABLES");
                stallMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lockedAt);
            } catch (SQLException e) {
                // The swap is done; closing the connection releases the locks.
                LOG.warn("table={} phase=CuttingOver swapped; UNLOCK TABLES failed ({}), closing the connection releases"
                        + " the locks", names.original(), e.getMessage());
            }
            return stallMillis;
        }
    }

    /** Before the RENAME: nothing was renamed; ghost triggers go (while still locked), then writers resume. */
    private void rollBackLocked(Connection locker, boolean triggersOnGhost) {
        try {
            locker.rollback();
            if (triggersOnGhost) {
                try {
                    triggers.dropFromGhost(locker);
                } catch (SQLException e) {
                    throw new MigrationException("cut-over rolled back, but the triggers created on " + names.ghost()
                            + " could not be dropped (" + e.getMessage() + "); stopping so they cannot fire twice", e);
                }
            }
            Database.execute(locker, "UNLOCK TABLES");
        } catch (SQLException e) {
            LOG.warn("table={} phase=CuttingOver rollback on the lock connection failed ({}); closing it releases the lock",
                    names.original(), e.getMessage());
        }
    }

    private long withSentry(Drain drain) throws Exception {
        try (Connection locker = database.connect();
             Connection renamer = database.connect();
             Connection monitor = database.connect()) {
            Database.execute(locker, "SET SESSION lock_wait_timeout = " + lockTimeoutSeconds);
            Database.execute(renamer, "SET SESSION lock_wait_timeout = " + (lockTimeoutSeconds * 2));
            long renamerId = connectionId(renamer);
            dropLeftoverSentry(monitor);
            Database.execute(locker, sql.createSentry());
            CompletableFuture<Void> rename = null;
            long lockedAt;
            boolean triggersOnGhost = false;
            try {
                Database.execute(locker, sql.lockForCutOver());
                lockedAt = System.nanoTime();
                CrashPoints.reached(CrashPoints.CUT_OVER_LOCKED);
                drain.drain(lockTimeoutSeconds * 1000L, Optional.empty());
                triggersOnGhost = !triggers.isEmpty();
                triggers.createOnGhost(monitor);
                rename = CompletableFuture.runAsync(() -> {
                    try {
                        Database.execute(renamer, sql.swapTables());
                    } catch (SQLException e) {
                        throw new MigrationException("RENAME failed: " + e.getMessage(), e);
                    }
                });
                awaitWaiting(monitor, renamerId, rename);
                Database.execute(locker, SqlBuilder.dropTableIfExists(names.qualifiedSentry()));
                Database.execute(locker, "UNLOCK TABLES");
            } catch (Exception e) {
                rollBack(locker, monitor, renamerId, rename, triggersOnGhost);
                throw e;
            }
            try {
                rename.get(lockTimeoutSeconds * 2L + 5, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                throw new MigrationException("the RENAME did not complete; the original table is in place: "
                        + e.getCause().getMessage(), e.getCause());
            }
            return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lockedAt);
        }
    }

    private static long connectionId(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SELECT CONNECTION_ID()")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * After a swap whose process stopped before renaming the original (still under the sentry's name, with
     * none of the sentry's marks) to the old table's name: does that rename, if nothing else has the name.
     */
    public static void nameSwappedOriginalAsOld(Connection connection, TableNames names) throws SQLException {
        Optional<String> comment = sentryComment(connection, names);
        boolean oldNameFree = !new Inspector(connection).tableExists(names.database(), names.old());
        if (comment.isPresent() && !SqlBuilder.SENTRY_COMMENT.equals(comment.get()) && oldNameFree) {
            Database.execute(connection, SqlBuilder.renameSwappedToOld(names));
            LOG.info("table={} phase=CuttingOver renamed the swapped-out original {} to {}", names.original(),
                    names.sentry(), names.old());
        }
    }

    /** The comment of the table under the sentry's name (ours carry {@link SqlBuilder#SENTRY_COMMENT}), if any. */
    private static Optional<String> sentryComment(Connection connection, TableNames names) throws SQLException {
        return Database.queryString(connection,
                "SELECT TABLE_COMMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
                names.database(), names.sentry());
    }

    /** Refuses to start when the sentry's name is taken by something that is not a sentry. */
    public static void requireNoForeignSentry(Connection connection, TableNames names) throws SQLException {
        Optional<String> comment = sentryComment(connection, names);
        if (comment.isPresent() && !SqlBuilder.SENTRY_COMMENT.equals(comment.get())) {
            throw new MigrationException("table " + names.qualifiedSentry() + " exists and is not a cut-over sentry"
                    + " (the original of an interrupted cut-over?): rename it to " + names.old()
                    + " or drop it, or pass --initially-drop-old-table");
        }
    }

    /** A sentry left by a failed attempt would block every RENAME: drop it, and only it. */
    private void dropLeftoverSentry(Connection connection) throws SQLException {
        Object comment = sentryComment(connection, names).orElse(null);
        if (comment == null) {
            return;
        }
        if (!SqlBuilder.SENTRY_COMMENT.equals(comment)) {
            throw new MigrationException("table " + names.qualifiedSentry() + " exists and is not a cut-over sentry"
                    + " (the original of an interrupted cut-over?): rename it to " + names.old() + " or drop it");
        }
        Database.execute(connection, SqlBuilder.dropTableIfExists(names.qualifiedSentry()));
    }

    /**
     * Event-paced: returns as soon as the RENAME is queued on the metadata lock. The state reads "Waiting for table
     * metadata lock" on MariaDB and MySQL alike (checked on MariaDB 10.11 and 11.8, MySQL 9.7).
     */
    private void awaitWaiting(Connection monitor, long renamerId, CompletableFuture<Void> rename) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(lockTimeoutSeconds);
        try (PreparedStatement state = monitor.prepareStatement(SqlBuilder.CONNECTION_STATE)) {
            state.setLong(1, renamerId);
            while (System.nanoTime() < deadline) {
                if (rename.isDone()) {
                    rename.get();
                    throw new MigrationException("the RENAME finished while the original was still locked");
                }
                try (ResultSet rs = state.executeQuery()) {
                    if (rs.next() && String.valueOf(rs.getString(1)).contains("metadata lock")) {
                        return;
                    }
                }
                Thread.sleep(1);
            }
        }
        throw new TimeoutException("the RENAME was not seen waiting for the lock within " + lockTimeoutSeconds + " s");
    }

    /**
     * Unlocks while the sentry still exists, so a RENAME that is still queued (if the
     * KILL did not reach it) fails on the sentry instead of swapping; only once the
     * RENAME is over is the sentry dropped. Writers resume on the original.
     */
    private void rollBack(Connection locker, Connection monitor, long renamerId, CompletableFuture<Void> rename,
                          boolean triggersOnGhost) {
        if (rename != null && !rename.isDone()) {
            try {
                Database.execute(monitor, "KILL QUERY " + renamerId);
            } catch (SQLException e) {
                LOG.warn("table={} phase=CuttingOver could not kill the queued RENAME: {}", names.original(), e.getMessage());
            }
        }
        if (triggersOnGhost) {
            try {
                // Before writers resume: the applier's writes to the ghost must not fire them.
                triggers.dropFromGhost(monitor);
            } catch (SQLException e) {
                throw new MigrationException("cut-over rolled back, but the triggers created on " + names.ghost()
                        + " could not be dropped (" + e.getMessage() + "); stopping so they cannot fire twice", e);
            }
        }
        try {
            Database.execute(locker, "UNLOCK TABLES");
            if (rename != null) {
                try {
                    rename.get(lockTimeoutSeconds * 2L + 5, TimeUnit.SECONDS);
                } catch (Exception expected) {
                    // the RENAME was meant to fail here
                }
            }
            Database.execute(locker, SqlBuilder.dropTableIfExists(names.qualifiedSentry()));
        } catch (SQLException e) {
            LOG.warn("table={} phase=CuttingOver rollback on the lock connection failed ({}); closing it releases the lock,"
                    + " the next attempt drops the sentry", names.original(), e.getMessage());
        }
    }
}
