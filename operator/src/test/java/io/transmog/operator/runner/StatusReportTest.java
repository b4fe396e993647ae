package io.transmog.operator.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.transmog.engine.MigrationStatus;
import io.transmog.engine.Phase;

class StatusReportTest {

    private static final Instant DONE = Instant.parse("2025-03-01T10:15:30.456Z");
    private static final Redactor REDACTOR = new Redactor(List.of("migrator", "s3cret!"));

    @Test
    void holdsTheRunnerFieldsOnlyAndClearsWhatIsEmptyNow() {
        var body = status(StatusReport.body(snapshot(Phase.Copying, "copying rows", false, null, null), context(), DONE));
        assertThat(body).containsOnlyKeys("phase", "message", "progress", "cutOver");
        assertThat(body).containsEntry("phase", "Copying").containsEntry("message", "copying rows");
        @SuppressWarnings("unchecked")
        Map<String, Object> progress = (Map<String, Object>) body.get("progress");
        assertThat(progress).containsEntry("rowsCopied", 500L).containsEntry("rowsEstimated", 1000L)
                .containsEntry("percent", 50.0).containsEntry("throttled", false)
                .containsEntry("throttleReason", null).containsKey("etaSeconds");
        @SuppressWarnings("unchecked")
        Map<String, Object> cutOver = (Map<String, Object>) body.get("cutOver");
        assertThat(cutOver).containsEntry("attempts", 0).containsEntry("lastError", null)
                .containsEntry("stallMillis", null);
    }

    @Test
    void aFinishedPhaseCarriesCompletedAtAndADryRunItsPlan() {
        var ctx = new StatusReport.Context(true, false, false, null, REDACTOR);
        var body = status(StatusReport.body(snapshot(Phase.Validated, "dry run passed", false, null, "PLAN"), ctx, DONE));
        assertThat(body).containsEntry("phase", "Validated").containsEntry("plan", "PLAN")
                .containsEntry("completedAt", "2025-03-01T10:15:30Z");
    }

    @Test
    void credentialsAreRedactedFromEveryText() {
        var body = status(StatusReport.body(snapshot(Phase.Failed,
                "MySQL error 1045: Access denied for user 'migrator'@'10.1.2.3' (using password: YES)", true,
                "s3cret! in a throttle reason", null), context(), DONE));
        assertThat(body.toString()).doesNotContain("migrator").doesNotContain("s3cret!")
                .contains("Access denied for user '" + Redactor.MASK + "'");
    }

    @Test
    void awaitingApprovalSaysWhatToDo() {
        var ctx = new StatusReport.Context(false, true, false, null, REDACTOR);
        var body = status(StatusReport.body(snapshot(Phase.AwaitingCutOver, "cut-over postponed: postponed by request",
                false, null, null), ctx, DONE));
        assertThat((String) body.get("message")).contains("spec.cutOver.approved=true");
    }

    @Test
    void aPodStoppingForARestartKeepsItsPhaseAndSaysItWillResume() {
        var ctx = new StatusReport.Context(false, false, true, null, REDACTOR);
        var copying = status(StatusReport.body(snapshot(Phase.Copying, "copying", false, null, null), ctx, DONE));
        assertThat(copying).containsEntry("phase", "Copying").doesNotContainKey("completedAt");
        assertThat((String) copying.get("message")).contains("SIGTERM").contains("Copying").contains("resumes");
        var succeeded = status(StatusReport.body(snapshot(Phase.Succeeded, "migrated", false, null, null), ctx, DONE));
        assertThat(succeeded).containsEntry("phase", "Succeeded").containsKey("completedAt");
    }

    @Test
    void refusedLiveSettingsAreNotedWhileRunning() {
        var ctx = new StatusReport.Context(false, false, false, "ignored: spec.throttle.maxLoad ...", REDACTOR);
        var body = status(StatusReport.body(snapshot(Phase.Copying, "copying", false, null, null), ctx, DONE));
        assertThat((String) body.get("message")).isEqualTo("copying (ignored: spec.throttle.maxLoad ...)");
    }

    private static StatusReport.Context context() {
        return new StatusReport.Context(false, false, false, null, REDACTOR);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> status(Map<String, Object> body) {
        assertThat(body).containsOnlyKeys("status");
        return (Map<String, Object>) body.get("status");
    }

    private static MigrationStatus snapshot(Phase phase, String message, boolean throttled, String reason, String plan) {
        return new MigrationStatus(phase, message, 500, 1000, 50.0, 12L, 41.5, 7, 3, 0, throttled, reason, 0, null, null,
                plan);
    }
}
