package io.transmog.operator.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.crd.generator.annotation.PrinterColumn;

/** Written by the runner only. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Progress {

    @JsonPropertyDescription("Rows copied into the ghost table so far.")
    private Long rowsCopied;

    @JsonPropertyDescription("Estimated number of rows in the table.")
    private Long rowsEstimated;

    @PrinterColumn(name = "PROGRESS")
    @JsonPropertyDescription("Copy progress, 0 to 100.")
    private Double percent;

    @JsonPropertyDescription("Estimated seconds until the copy is done.")
    private Long etaSeconds;

    @JsonPropertyDescription("Current copy rate.")
    private Double rowsPerSecond;

    @JsonPropertyDescription("Binlog events applied to the ghost table so far.")
    private Long eventsApplied;

    @PrinterColumn(name = "LAG")
    @JsonPropertyDescription("How far (milliseconds) the binlog applier is behind the primary.")
    private Long lagMillis;

    @JsonPropertyDescription("Highest lag (milliseconds) measured on the replicas of spec.database.replicas.")
    private Long replicaLagMillis;

    @JsonPropertyDescription("True while the copy is throttled.")
    private Boolean throttled;

    @JsonPropertyDescription("Why the copy is throttled, e.g. `max-lag`, `max-load`, `paused`.")
    private String throttleReason;

    public Long getRowsCopied() {
        return rowsCopied;
    }

    public void setRowsCopied(Long rowsCopied) {
        this.rowsCopied = rowsCopied;
    }

    public Long getRowsEstimated() {
        return rowsEstimated;
    }

    public void setRowsEstimated(Long rowsEstimated) {
        this.rowsEstimated = rowsEstimated;
    }

    public Double getPercent() {
        return percent;
    }

    public void setPercent(Double percent) {
        this.percent = percent;
    }

    public Long getEtaSeconds() {
        return etaSeconds;
    }

    public void setEtaSeconds(Long etaSeconds) {
        this.etaSeconds = etaSeconds;
    }

    public Double getRowsPerSecond() {
        return rowsPerSecond;
    }

    public void setRowsPerSecond(Double rowsPerSecond) {
        this.rowsPerSecond = rowsPerSecond;
    }

    public Long getEventsApplied() {
        return eventsApplied;
    }

    public void setEventsApplied(Long eventsApplied) {
        this.eventsApplied = eventsApplied;
    }

    public Long getLagMillis() {
        return lagMillis;
    }

    public void setLagMillis(Long lagMillis) {
        this.lagMillis = lagMillis;
    }

    public Long getReplicaLagMillis() {
        return replicaLagMillis;
    }

    public void setReplicaLagMillis(Long replicaLagMillis) {
        this.replicaLagMillis = replicaLagMillis;
    }

    public Boolean getThrottled() {
        return throttled;
    }

    public void setThrottled(Boolean throttled) {
        this.throttled = throttled;
    }

    public String getThrottleReason() {
        return throttleReason;
    }

    public void setThrottleReason(String throttleReason) {
        this.throttleReason = throttleReason;
    }
}
