package io.transmog.engine;

/**
 * A migration cannot start or continue. The message is written for the person
 * who ran it: it names the cause and, where there is one, the way out. It never
 * carries a password.
 */
public class MigrationException extends RuntimeException {
    public MigrationException(String message) {
        super(message);
    }

    public MigrationException(String message, Throwable cause) {
        super(message, cause);
    }
}
