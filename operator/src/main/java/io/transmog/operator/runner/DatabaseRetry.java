package io.transmog.operator.runner;

import java.time.Duration;
import java.util.Optional;

import io.transmog.engine.sql.TableNames;

/**
 * Pure: what the runner does when one run of the engine has ended. Only a database that could not be reached, or
 * was lost, is worth another run: the engine keeps its ghost and changelog tables through a lost connection, so the
 * next run resumes from the last checkpoint. Anything else is the migration's end, and so is a lost database while
 * the pod stops (the Job's next pod resumes instead) or while the resource is being deleted (nothing to clean up
 * with; the message says what may be left).
 */
final class DatabaseRetry {

    /** What follows the engine's run. */
    sealed interface Next permits RecordEnd, RecordCancelled, Retry {
    }

    /** The engine's own end (or the pod is stopping): the runner records it as it is. */
    record RecordEnd() implements Next {
    }

    /** Deleted while the database could not be reached: recorded as Cancelled with this message. */
    record RecordCancelled(String message) implements Next {
    }

    /** Wait {@code delay}, with phase Pending and {@code message} in the status, then run the engine again. */
    record Retry(Duration delay, String message) implements Next {
    }

    private final Backoff backoff;
    private final TableNames tables;

    DatabaseRetry(Backoff backoff, TableNames tables) {
        this.backoff = backoff;
        this.tables = tables;
    }

    /**
     * @param retry 1 after the first run, 2 after the second...
     * @param lostConnection whether the run ended because the database could not be reached
     * @param cause the run's final message
     * @param stopping whether the pod is stopping (SIGTERM without deletion)
     * @param cancelReason why the migration is being cancelled, if it is
     */
    Next afterRun(int retry, boolean lostConnection, String cause, boolean stopping, Optional<String> cancelReason) {
        if (!lostConnection || stopping) {
            return new RecordEnd();
        }
        if (cancelReason.isPresent()) {
            return new RecordCancelled("cancelled: " + cancelReason.get() + ", while the database could not be "
                    + "reached (" + cause + "); if an earlier attempt created " + tables.qualifiedGhost() + " and "
                    + tables.qualifiedChangelog() + ", drop them by hand; the original is untouched");
        }
        Duration delay = backoff.delay(retry);
        return new Retry(delay, "the database cannot be reached: " + cause + "; attempt " + (retry + 1) + " in "
                + delay.toSeconds() + " s");
    }
}
