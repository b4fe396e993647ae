package io.transmog.engine.db;

import io.transmog.engine.MigrationException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * How every connection (JDBC, the binlog stream, the replicas read for lag) uses TLS, with gh-ost's flags:
 * {@code --ssl} verifies the server's certificate against {@code --ssl-ca} (or the JVM's trust store),
 * {@code --ssl-allow-insecure} encrypts without verifying, {@code --ssl-verify-identity} also checks that the
 * certificate names the host connected to; {@code --ssl-cert}/{@code --ssl-key} present a client certificate.
 * Only file paths are held: certificates and keys are read when connecting, never copied into arguments or logs.
 */
public record TlsSettings(Mode mode, Optional<Path> ca, Optional<Path> clientCertificate, Optional<Path> clientKey) {

    public enum Mode {
        /** Plain TCP. */
        DISABLED,
        /** Encrypted, server certificate not checked: gh-ost's --ssl-allow-insecure. */
        REQUIRED,
        /** Encrypted, certificate signed by the CA: gh-ost's --ssl. */
        VERIFY_CA,
        /** As VERIFY_CA, and the certificate names the host connected to (MySQL's VERIFY_IDENTITY). */
        VERIFY_IDENTITY
    }

    public TlsSettings {
        if (clientCertificate.isPresent() != clientKey.isPresent()) {
            throw new MigrationException("--ssl-cert and --ssl-key go together: a client certificate needs its key");
        }
        if (mode == Mode.DISABLED && (ca.isPresent() || clientCertificate.isPresent())) {
            throw new MigrationException("--ssl-ca, --ssl-cert and --ssl-key need --ssl");
        }
        if (mode == Mode.REQUIRED && ca.isPresent()) {
            throw new MigrationException("--ssl-ca is ignored with --ssl-allow-insecure, which verifies no certificate: drop one of them");
        }
        for (Optional<Path> file : java.util.List.of(ca, clientCertificate, clientKey)) {
            if (file.isPresent() && !Files.isReadable(file.get())) {
                throw new MigrationException("cannot read TLS file " + file.get());
            }
        }
    }

    public static TlsSettings disabled() {
        return new TlsSettings(Mode.DISABLED, Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** From gh-ost's flags. */
    public static TlsSettings of(boolean ssl, boolean allowInsecure, boolean verifyIdentity, Path ca, Path cert, Path key) {
        boolean on = ssl || allowInsecure || verifyIdentity;
        if (allowInsecure && verifyIdentity) {
            throw new MigrationException("--ssl-allow-insecure and --ssl-verify-identity contradict each other");
        }
        Mode mode = !on ? Mode.DISABLED : allowInsecure ? Mode.REQUIRED : verifyIdentity ? Mode.VERIFY_IDENTITY : Mode.VERIFY_CA;
        return new TlsSettings(mode, Optional.ofNullable(ca), Optional.ofNullable(cert), Optional.ofNullable(key));
    }

    public boolean enabled() {
        return mode != Mode.DISABLED;
    }
}
