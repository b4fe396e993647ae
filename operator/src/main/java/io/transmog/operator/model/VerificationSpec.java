package io.transmog.operator.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Default;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class VerificationSpec {

    @Default("true")
    @JsonPropertyDescription("Before anything is created, compare the engine's copy of a sample of the table's rows "
            + "with the server's own ALTER of them, and stop on any difference (transmog --skip-mapping-check when "
            + "false). The checksum pass before cut-over cannot catch a column mapping mistake; this check can.")
    private Boolean mappingCheck;

    public Boolean getMappingCheck() {
        return mappingCheck;
    }

    public void setMappingCheck(Boolean mappingCheck) {
        this.mappingCheck = mappingCheck;
    }
}
