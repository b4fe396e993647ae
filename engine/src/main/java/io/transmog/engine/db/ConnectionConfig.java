package io.transmog.engine.db;

/**
 * Where the migrated table lives and how to log in. {@link #toString()} leaves the
 * password out, so the record can be logged or put into an error safely.
 *
 * @param allowPublicKeyRetrieval let the driver ask the server for its RSA public key to
 *        encrypt the password (caching_sha2_password / sha256_password without TLS). Off
 *        unless asked for: whoever sits between client and server can hand out a key of
 *        their own and read the password.
 * @param tls how every connection to this server and its replicas uses TLS
 */
public record ConnectionConfig(String host, int port, String user, String password, String database,
                               boolean allowPublicKeyRetrieval, TlsSettings tls) {

    public ConnectionConfig(String host, int port, String user, String password, String database) {
        this(host, port, user, password, database, false, TlsSettings.disabled());
    }

    public ConnectionConfig(String host, int port, String user, String password, String database,
                            boolean allowPublicKeyRetrieval) {
        this(host, port, user, password, database, allowPublicKeyRetrieval, TlsSettings.disabled());
    }

    @Override
    public String toString() {
        return user + "@" + host + ":" + port + "/" + database;
    }

    /** The same login on another server (a replica): every connection option carries over. */
    public ConnectionConfig withHost(String otherHost, int otherPort) {
        return new ConnectionConfig(otherHost, otherPort, user, password, database, allowPublicKeyRetrieval, tls);
    }

    public ConnectionConfig withAllowPublicKeyRetrieval(boolean allow) {
        return new ConnectionConfig(host, port, user, password, database, allow, tls);
    }

    public ConnectionConfig withTls(TlsSettings settings) {
        return new ConnectionConfig(host, port, user, password, database, allowPublicKeyRetrieval, settings);
    }
}
