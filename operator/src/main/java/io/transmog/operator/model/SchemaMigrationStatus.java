package io.transmog.operator.model;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.crd.generator.annotation.PrinterColumn;
import io.fabric8.kubernetes.api.model.Condition;

/**
 * Observed state of a migration.
 *
 * <h2>Who writes what</h2>
 * Two writers share this status. Each writes with a server-side apply of the status subresource under its own field
 * manager ({@code io.transmog.operator.status.StatusApply}), so the API server records who owns each field and
 * refuses (409 Conflict) a write, without force, of a field the other one owns:
 * <ul>
 * <li><b>Operator</b> ({@code transmog-operator}): {@code observedGeneration}, {@code jobName}, {@code startedAt},
 * {@code conditions}; {@code completedAt} only if the runner left it empty when a finished phase is first seen.</li>
 * <li><b>Runner</b> ({@code transmog-runner}, {@code transmog run}): {@code progress}, {@code cutOver}, {@code plan},
 * {@code completedAt}.</li>
 * <li>{@code phase} and {@code message} change hands, explicitly and through the API server: the operator's before
 * the runner Job exists (Pending, or Paused before start); the runner takes them over with its first (forced) write;
 * the operator takes them back (forced) only when the Job ended or vanished without the runner having recorded a
 * finished phase, to record Failed. {@code reconciler.PhaseOwnership} is that rule.</li>
 * </ul>
 * A finished phase (Succeeded, Failed, Cancelled, Validated) is final: nobody changes it afterwards.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SchemaMigrationStatus {

    @PrinterColumn(name = "PHASE")
    @JsonPropertyDescription("Where the migration is: Pending, Validating, Copying, Paused, AwaitingCutOver, "
            + "CuttingOver, Succeeded, Failed, Cancelled, or Validated (a dry run that passed).")
    private Phase phase;

    @JsonPropertyDescription("Human-readable detail of the current phase (why it waits, what failed).")
    private String message;

    @JsonPropertyDescription("The metadata.generation the operator last acted on.")
    private Long observedGeneration;

    @JsonPropertyDescription("When the runner Job was created (RFC 3339). From then on table, alter and database "
            + "can no longer change.")
    private String startedAt;

    @JsonPropertyDescription("When the migration reached a finished phase (RFC 3339).")
    private String completedAt;

    @JsonPropertyDescription("Name of the runner Job in this namespace.")
    private String jobName;

    @JsonPropertyDescription("kstatus-compatible conditions: Ready, Reconciling, Stalled, Paused.")
    private List<Condition> conditions;

    @JsonPropertyDescription("Copy and apply progress, refreshed by the runner while it runs.")
    private Progress progress;

    @JsonPropertyDescription("Cut-over attempts and the write stall of the final swap.")
    private CutOverStatus cutOver;

    @JsonPropertyDescription("The plan of a dry run: what the migration would do.")
    private String plan;

    public Phase getPhase() {
        return phase;
    }

    public void setPhase(Phase phase) {
        this.phase = phase;
    }

    public String getMessage() {
        return message;
    }

    public void setMessage(String message) {
        this.message = message;
    }

    public Long getObservedGeneration() {
        return observedGeneration;
    }

    public void setObservedGeneration(Long observedGeneration) {
        this.observedGeneration = observedGeneration;
    }

    public String getStartedAt() {
        return startedAt;
    }

    public void setStartedAt(String startedAt) {
        this.startedAt = startedAt;
    }

    public String getCompletedAt() {
        return completedAt;
    }

    public void setCompletedAt(String completedAt) {
        this.completedAt = completedAt;
    }

    public String getJobName() {
        return jobName;
    }

    public void setJobName(String jobName) {
        this.jobName = jobName;
    }

    public List<Condition> getConditions() {
        return conditions;
    }

    public void setConditions(List<Condition> conditions) {
        this.conditions = conditions;
    }

    public Progress getProgress() {
        return progress;
    }

    public void setProgress(Progress progress) {
        this.progress = progress;
    }

    public CutOverStatus getCutOver() {
        return cutOver;
    }

    public void setCutOver(CutOverStatus cutOver) {
        this.cutOver = cutOver;
    }

    public String getPlan() {
        return plan;
    }

    public void setPlan(String plan) {
        this.plan = plan;
    }
}
