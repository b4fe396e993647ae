package io.transmog.engine.db;

import io.transmog.engine.MigrationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;

/**
 * Re-runs a statement that lost a lock race: deadlocks and lock wait timeouts between
 * the copier, the applier and the application's own writers are expected under load.
 */
public final class Retry {
    private static final Logger LOG = LoggerFactory.getLogger(Retry.class);
    private static final int DEADLOCK = 1213;
    private static final int LOCK_WAIT_TIMEOUT = 1205;
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
                boolean transientError = e.getErrorCode() == DEADLOCK || e.getErrorCode() == LOCK_WAIT_TIMEOUT;
                if (!transientError || attempt >= ATTEMPTS) {
                    throw e;
                }
                LOG.info("{}: {} (attempt {} of {}), retrying", what, e.getMessage(), attempt, ATTEMPTS);
                sleep(50L * attempt);
            }
        }
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
