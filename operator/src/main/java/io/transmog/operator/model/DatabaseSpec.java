package io.transmog.operator.model;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class DatabaseSpec {

    @Required
    @JsonPropertyDescription("Host name of the primary MySQL/MariaDB server (a Service name such as "
            + "`mysql.shop.svc` works). Immutable once the migration has started.")
    private String host;

    @Default("3306")
    @Min(1)
    @Max(65535)
    @JsonPropertyDescription("TCP port of the primary server.")
    private Integer port;

    @Required
    @JsonPropertyDescription("Database (schema) that holds the table.")
    private String schema;

    @Required
    @JsonPropertyDescription("Secret with the keys `username` and `password` of the migration user.")
    private SecretReference credentialsSecretRef;

    @JsonPropertyDescription("Optional replicas: the copy is throttled while their lag exceeds "
            + "spec.throttle.maxLagMillis.")
    private List<ReplicaEndpoint> replicas;

    @JsonPropertyDescription("TLS for every connection to the server and its replicas; certificates come from "
            + "Secrets mounted as files.")
    private TlsSpec tls;

    public TlsSpec getTls() {
        return tls;
    }

    public void setTls(TlsSpec tls) {
        this.tls = tls;
    }

    public String getHost() {
        return host;
    }

    public void setHost(String host) {
        this.host = host;
    }

    public Integer getPort() {
        return port;
    }

    public void setPort(Integer port) {
        this.port = port;
    }

    public String getSchema() {
        return schema;
    }

    public void setSchema(String schema) {
        this.schema = schema;
    }

    public SecretReference getCredentialsSecretRef() {
        return credentialsSecretRef;
    }

    public void setCredentialsSecretRef(SecretReference credentialsSecretRef) {
        this.credentialsSecretRef = credentialsSecretRef;
    }

    public List<ReplicaEndpoint> getReplicas() {
        return replicas;
    }

    public void setReplicas(List<ReplicaEndpoint> replicas) {
        this.replicas = replicas;
    }
}
