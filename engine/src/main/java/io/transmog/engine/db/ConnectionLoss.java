package io.transmog.engine.db;

import io.transmog.engine.MigrationException;

import java.io.EOFException;
import java.net.SocketException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;
import java.util.Locale;

/**
 * The database could not be reached, or a connection to it dropped: a failure of the
 * path to the server, not of the migration, so running again later can succeed (and
 * resume from the last checkpoint). A refused login is not one: a wrong password stays
 * wrong, and so does a server that wants TLS or its RSA key fetched.
 *
 * <p>What MySQL Connector/J throws: a lost or refused connection is a
 * {@code CommunicationsException} (an {@link SQLRecoverableException}, SQLState 08S01)
 * caused by the socket's exception; a connection used after it closed, an
 * {@link SQLNonTransientConnectionException} with SQLState 08003; a refused login
 * SQLState 28000 (error 1045), or 08001 without an error code when the password would
 * have to travel encrypted with a server key the driver may not fetch.
 */
public final class ConnectionLoss extends MigrationException {
    private static final int ACCESS_DENIED = 1045;
    private static final int HOST_NOT_ALLOWED = 1130;
    /** MySQL 8.0.24+: the server's notice that it closed an idle connection (wait_timeout). */
    private static final int DISCONNECTED_FOR_INACTIVITY = 4031;

    public ConnectionLoss(String message, Throwable cause) {
        super(message, cause);
    }

    /** Whether {@code failure}, or anything it was caused by, is a lost or refused connection. */
    public static boolean causedBy(Throwable failure) {
        Throwable t = failure;
        for (int depth = 0; t != null && depth < 20; depth++, t = t.getCause()) {
            if (t instanceof SQLException sql && isLoginRefused(sql)) {
                return false;
            }
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
        if (isLoginRefused(e)) {
            return false;
        }
        String state = e.getSQLState();
        return e instanceof SQLNonTransientConnectionException || e instanceof SQLTransientConnectionException
                || e instanceof SQLRecoverableException || e.getErrorCode() == DISCONNECTED_FOR_INACTIVITY
                || (state != null && state.startsWith("08"));
    }

    /** The server answered but would not let this login in, as configured: retrying cannot help. */
    static boolean isLoginRefused(SQLException e) {
        return e.getErrorCode() == ACCESS_DENIED || e.getErrorCode() == HOST_NOT_ALLOWED || needsServerPublicKey(e);
    }

    /**
     * caching_sha2_password (MySQL 8+) or sha256_password over a connection without TLS, with
     * no cached login on the server: the password must go encrypted with the server's RSA
     * public key, which the driver fetches only when allowed to. Connector/J says "Public Key
     * Retrieval is not allowed"; the C client (and MariaDB's driver) "RSA public key is not
     * available client side".
     */
    static boolean needsServerPublicKey(SQLException e) {
        String message = e.getMessage() == null ? "" : e.getMessage().toLowerCase(Locale.ROOT);
        return message.contains("public key retrieval is not allowed")
                || message.contains("rsa public key is not available client side");
    }
}
