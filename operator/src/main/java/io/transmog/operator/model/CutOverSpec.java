package io.transmog.operator.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class CutOverSpec {

    @Default("Automatic")
    @JsonPropertyDescription("Automatic cuts over as soon as the ghost table has caught up; Manual waits in "
            + "phase AwaitingCutOver until `approved` is set to true.")
    private CutOverMode mode;

    @Default("false")
    @JsonPropertyDescription("With mode Manual: set to true to let the cut-over proceed. Live: takes effect "
            + "while the migration runs.")
    private Boolean approved;

    @Default("3")
    @Min(1)
    @Max(60)
    @JsonPropertyDescription("How long (seconds) the cut-over may hold the table lock before it rolls back and "
            + "retries (gh-ost --cut-over-lock-timeout-seconds).")
    private Integer lockTimeoutSeconds;

    public CutOverMode getMode() {
        return mode;
    }

    public void setMode(CutOverMode mode) {
        this.mode = mode;
    }

    public Boolean getApproved() {
        return approved;
    }

    public void setApproved(Boolean approved) {
        this.approved = approved;
    }

    public Integer getLockTimeoutSeconds() {
        return lockTimeoutSeconds;
    }

    public void setLockTimeoutSeconds(Integer lockTimeoutSeconds) {
        this.lockTimeoutSeconds = lockTimeoutSeconds;
    }
}
