package io.transmog.engine.db;

/**
 * Where the migrated table lives and how to log in. {@link #toString()} leaves the
 * password out, so the record can be logged or put into an error safely.
 */
public record ConnectionConfig(String host, int port, String user, String password, String database) {
    @Override
    public String toString() {
        return user + "@" + host + ":" + port + "/" + database;
    }

    public ConnectionConfig withHost(String otherHost, int otherPort) {
        return new ConnectionConfig(otherHost, otherPort, user, password, database);
    }
}
