package io.transmog.operator.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Default;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class TlsSpec {

    @Default("VerifyIdentity")
    @JsonPropertyDescription("Disabled, Required (encrypted, certificate not checked), VerifyCA, or VerifyIdentity "
            + "(the certificate must also name spec.database.host). Applies to every connection: JDBC, the binlog "
            + "stream and the replicas.")
    private TlsMode mode;

    @JsonPropertyDescription("Secret holding the PEM CA certificate that signed the server's certificate (key `ca.crt`);"
            + " mounted into the runner pod as a file, never inlined. Without it the JVM's trust store is used.")
    private TlsSecretReference caSecretRef;

    @JsonPropertyDescription("Secret of type kubernetes.io/tls with a client certificate (`tls.crt`) and its unencrypted "
            + "PKCS#8 key (`tls.key`), for accounts that REQUIRE X509; mounted as files.")
    private TlsSecretReference clientCertSecretRef;

    public TlsMode getMode() {
        return mode;
    }

    public void setMode(TlsMode mode) {
        this.mode = mode;
    }

    public TlsSecretReference getCaSecretRef() {
        return caSecretRef;
    }

    public void setCaSecretRef(TlsSecretReference caSecretRef) {
        this.caSecretRef = caSecretRef;
    }

    public TlsSecretReference getClientCertSecretRef() {
        return clientCertSecretRef;
    }

    public void setClientCertSecretRef(TlsSecretReference clientCertSecretRef) {
        this.clientCertSecretRef = clientCertSecretRef;
    }
}
