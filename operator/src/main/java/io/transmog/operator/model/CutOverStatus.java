package io.transmog.operator.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Written by the runner only. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CutOverStatus {

    @JsonPropertyDescription("Cut-over attempts so far (a timed-out attempt rolls back and is retried).")
    private Integer attempts;

    @JsonPropertyDescription("Error of the last failed cut-over attempt.")
    private String lastError;

    @JsonPropertyDescription("How long (milliseconds) writers to the table were blocked by the successful "
            + "cut-over.")
    private Long stallMillis;

    public Integer getAttempts() {
        return attempts;
    }

    public void setAttempts(Integer attempts) {
        this.attempts = attempts;
    }

    public String getLastError() {
        return lastError;
    }

    public void setLastError(String lastError) {
        this.lastError = lastError;
    }

    public Long getStallMillis() {
        return stallMillis;
    }

    public void setStallMillis(Long stallMillis) {
        this.stallMillis = stallMillis;
    }
}
