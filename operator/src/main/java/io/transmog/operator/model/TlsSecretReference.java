package io.transmog.operator.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Required;

/** A Secret whose files are mounted into the runner pod (TLS material); the keys it must hold are fixed by its use. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TlsSecretReference {

    @Required
    @JsonPropertyDescription("Name of a Secret in the migration's namespace.")
    private String name;

    public TlsSecretReference() {
    }

    public TlsSecretReference(String name) {
        this.name = name;
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }
}
