package io.transmog.operator.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.crd.generator.annotation.PrinterColumn;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class SchemaMigrationSpec {

    @Required
    @JsonPropertyDescription("The server and database that hold the table. Immutable once the migration has "
            + "started.")
    private DatabaseSpec database;

    @Required
    @PrinterColumn(name = "TABLE")
    @ValidationRule(value = "size(self) >= 1 && size(self) <= 64", message = "spec.table must be 1 to 64 characters long")
    @JsonPropertyDescription("Name of the table to change (without the schema). Immutable once the migration has "
            + "started.")
    private String table;

    @Required
    @ValidationRule(value = "size(self.trim()) > 0", message = "spec.alter must not be empty")
    @JsonPropertyDescription("The alter clauses, as after `ALTER TABLE <table>`, e.g. `ADD COLUMN nickname "
            + "VARCHAR(64) NOT NULL DEFAULT ''`. One statement only. Immutable once the migration has started.")
    private String alter;

    @Default("false")
    @JsonPropertyDescription("Validate and record the plan in status.plan without changing anything; a dry run "
            + "that passes ends in phase Validated. Immutable once the migration has started.")
    private Boolean dryRun;

    @Default("false")
    @JsonPropertyDescription("Pause row copy and binlog apply; set back to false to resume. Live. A migration "
            + "created paused does not start until it is unpaused.")
    private Boolean paused;

    @Default("{}")
    @JsonPropertyDescription("How the final table swap happens.")
    private CutOverSpec cutOver;

    @Default("{}")
    @JsonPropertyDescription("Throttling and safety limits. Live.")
    private ThrottleSpec throttle;

    @Default("true")
    @JsonPropertyDescription("Keep the original table as `_<table>_del` after the cut-over (true) or drop it.")
    private Boolean keepOldTable;

    @Default("{}")
    @JsonPropertyDescription("Checks that prove the result before it is used.")
    private VerificationSpec verification;

    @JsonPropertyDescription("Optional settings of the runner pod that executes the migration.")
    private RunnerSpec runner;

    @JsonPropertyDescription("gh-ost hooks: executables run at points of the migration (startup, validated, "
            + "before-row-copy, row-copy-complete, begin-postponed, before-cut-over, success, failure, status, ...). "
            + "Immutable once the migration has started.")
    private HooksSpec hooks;

    public DatabaseSpec getDatabase() {
        return database;
    }

    public void setDatabase(DatabaseSpec database) {
        this.database = database;
    }

    public String getTable() {
        return table;
    }

    public void setTable(String table) {
        this.table = table;
    }

    public String getAlter() {
        return alter;
    }

    public void setAlter(String alter) {
        this.alter = alter;
    }

    public Boolean getDryRun() {
        return dryRun;
    }

    public void setDryRun(Boolean dryRun) {
        this.dryRun = dryRun;
    }

    public Boolean getPaused() {
        return paused;
    }

    public void setPaused(Boolean paused) {
        this.paused = paused;
    }

    public CutOverSpec getCutOver() {
        return cutOver;
    }

    public void setCutOver(CutOverSpec cutOver) {
        this.cutOver = cutOver;
    }

    public ThrottleSpec getThrottle() {
        return throttle;
    }

    public void setThrottle(ThrottleSpec throttle) {
        this.throttle = throttle;
    }

    public Boolean getKeepOldTable() {
        return keepOldTable;
    }

    public void setKeepOldTable(Boolean keepOldTable) {
        this.keepOldTable = keepOldTable;
    }

    public VerificationSpec getVerification() {
        return verification;
    }

    public void setVerification(VerificationSpec verification) {
        this.verification = verification;
    }

    public RunnerSpec getRunner() {
        return runner;
    }

    public void setRunner(RunnerSpec runner) {
        this.runner = runner;
    }

    public HooksSpec getHooks() {
        return hooks;
    }

    public void setHooks(HooksSpec hooks) {
        this.hooks = hooks;
    }

    public boolean isDryRun() {
        return Boolean.TRUE.equals(dryRun);
    }

    public boolean isPaused() {
        return Boolean.TRUE.equals(paused);
    }
}
