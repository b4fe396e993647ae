package io.transmog.operator.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class ReplicaEndpoint {

    @Required
    @JsonPropertyDescription("Host name of a replica whose lag throttles the copy.")
    private String host;

    @Default("3306")
    @Min(1)
    @Max(65535)
    @JsonPropertyDescription("TCP port of the replica.")
    private Integer port;

    public ReplicaEndpoint() {
    }

    public ReplicaEndpoint(String host, Integer port) {
        this.host = host;
        this.port = port;
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
}
