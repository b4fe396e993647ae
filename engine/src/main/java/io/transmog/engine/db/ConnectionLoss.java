package io.transmog.engine.db;

import io.transmog.engine.MigrationException;

import java.io.EOFException;
import java.net.SocketException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;

/**
 * The database could not be reached, or a connection to it dropped: a failure of the
 * path to the server, not of the migration, so running again later can succeed (and
 * resume from the last checkpoint). Access denied is not one: a wrong password stays wrong.
 */
public final class ConnectionLoss extends MigrationException {
    private static final int ACCESS_DENIED = 1045;
    private static final int HOST_NOT_ALLOWED = 1130;

    public ConnectionLoss(String message, Throwable cause) {
        super(message, cause);
    }

    /** Whether {@code failure}, or anything it was caused by, is a lost or refused connection. */
    public static boolean causedBy(Throwable failure) {
        Throwable t = failure;
        for (int depth = 0; t != null && depth < 20; depth++, t = t.getCause()) {
            if (t instanceof ConnectionLoss || t instanceof SocketException || t instanceof EOFException) {
                return true;
            }
            if (t instanceof SQLException sql && isConnectionError(sql)) {
                return true;
            }
        }
        return false;
    }

    static boolean isConnectionError(SQLException e) {
        if (e.getErrorCode() == ACCESS_DENIED || e.getErrorCode() == HOST_NOT_ALLOWED) {
            return false;
        }
        String state = e.getSQLState();
        return e instanceof SQLNonTransientConnectionException || e instanceof SQLTransientConnectionException
                || (state != null && state.startsWith("08"));
    }
}
