package io.transmog.engine.db;

import io.transmog.engine.MigrationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;

/**
 * Re-runs a unit of work that lost a race with the application's writers: deadlocks and lock
 * wait timeouts between the copier, the applier and the application are expected under load.
 * Every caller's unit is one whole transaction that it rolls back on failure and that reads
 * everything afresh when re-run (a chunk copy, a re-sync of keys), so running it again is correct.
 */
public final class Retry {
    private static final Logger LOG = LoggerFactory.getLogger(Retry.class);
    private static final int DEADLOCK = 1213;
    private static final int LOCK_WAIT_TIMEOUT = 1205;
    /**
     * "Record has changed since last read": MariaDB 11.6+ (innodb_snapshot_isolation=ON) in a REPEATABLE READ
     * transaction whose locking read meets a row changed after its snapshot. The engine's locking paths run at
     * READ COMMITTED, where it cannot happen; should a session still be at REPEATABLE READ, the transaction was
     * rolled back and a new one sees the new row, like after a deadlock.
     */
    private static final int RECORD_CHANGED = 1020;
    private static final int ATTEMPTS = 10;

    private Retry() {
    }

    @FunctionalInterface
    public interface SqlWork<T> {
        T run() throws SQLException;
    }

    public static <T> T onTransientErrors(String what, SqlWork<T> work) throws SQLException {
        for (int attempt = 1; ; attempt++) {
            try {
                return work.run();
            } catch (SQLException e) {
                boolean transientError = isTransient(e);
                if (!transientError || attempt >= ATTEMPTS) {
                    throw e;
                }
                LOG.info("{}: {} (attempt {} of {}), retrying", what, e.getMessage(), attempt, ATTEMPTS);
                sleep(50L * attempt);
            }
        }
    }

    static boolean isTransient(SQLException e) {
        int code = e.getErrorCode();
        return code == DEADLOCK || code == LOCK_WAIT_TIMEOUT || code == RECORD_CHANGED;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MigrationException("interrupted while waiting to retry", e);
        }
    }
}
