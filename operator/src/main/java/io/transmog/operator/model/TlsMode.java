package io.transmog.operator.model;

/** How the runner's connections use TLS; the engine's modes under Kubernetes-style names. */
public enum TlsMode {
    Disabled,
    /** Encrypted, the server's certificate not checked (gh-ost --ssl-allow-insecure). */
    Required,
    /** Encrypted, the certificate signed by the CA (gh-ost --ssl). */
    VerifyCA,
    /** As VerifyCA, and the certificate names spec.database.host (MySQL's VERIFY_IDENTITY). */
    VerifyIdentity
}
