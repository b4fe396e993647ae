package io.transmog.operator.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Required;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class ConfigMapReference {

    @Required
    @JsonPropertyDescription("Name of a ConfigMap in the migration's namespace.")
    private String name;

    public ConfigMapReference() {
    }

    public ConfigMapReference(String name) {
        this.name = name;
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }
}
