package io.transmog.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Condition;
import io.transmog.operator.model.Phase;

class StatusMapperTest {

    private static final Instant NOW = Instant.parse("2025-01-02T03:04:05.678Z");
    private static final Instant LATER = NOW.plusSeconds(60);

    private static StatusMapper.Input notStarted(Gate gate) {
        return new StatusMapper.Input(1, null, null, null, null, JobState.absent(), gate, false, null);
    }

    private static StatusMapper.Input running(Phase reported, String message, JobState job,
            List<Condition> previous) {
        return new StatusMapper.Input(2, reported, message, "smig-x-1234abcd", null, job, null, false, previous);
    }

    private static Map<String, String> statuses(StatusMapper.Result r) {
        return r.conditions().stream().collect(Collectors.toMap(Condition::getType, Condition::getStatus));
    }

    @Test
    void openGateStartsTheJobAsPending() {
        var r = StatusMapper.map(notStarted(Gate.open()), NOW);
        assertThat(r.phase()).isEqualTo(Phase.Pending);
        assertThat(r.createJob()).isTrue();
        assertThat(r.operatorOwnsPhase()).isTrue();
        assertThat(r.announce()).isTrue();
        assertThat(r.warning()).isFalse();
        assertThat(statuses(r)).containsExactlyInAnyOrderEntriesOf(
                Map.of("Ready", "False", "Reconciling", "True", "Stalled", "False", "Paused", "False"));
        assertThat(r.conditions()).allSatisfy(c -> {
            assertThat(c.getObservedGeneration()).isEqualTo(1L);
            assertThat(c.getLastTransitionTime()).isEqualTo("2025-01-02T03:04:05Z");
        });
    }

    @Test
    void missingSecretWaitsAsPendingWithAWarning() {
        var gate = Gate.waiting(Gate.REASON_SECRET_MISSING, "waiting for Secret shop/creds");
        var r = StatusMapper.map(notStarted(gate), NOW);
        assertThat(r.phase()).isEqualTo(Phase.Pending);
        assertThat(r.message()).isEqualTo("waiting for Secret shop/creds");
        assertThat(r.createJob()).isFalse();
        assertThat(r.reason()).isEqualTo(Gate.REASON_SECRET_MISSING);
        assertThat(r.warning()).isTrue();
        assertThat(r.conditions()).filteredOn(c -> c.getType().equals("Reconciling"))
                .singleElement().satisfies(c -> assertThat(c.getReason()).isEqualTo("CredentialsSecretMissing"));
    }

    @Test
    void sameWaitingStateIsNotAnnouncedTwiceAndKeepsTransitionTimes() {
        var gate = Gate.waiting(Gate.REASON_TABLE_BUSY, "waiting for shop/other");
        var first = StatusMapper.map(notStarted(gate), NOW);
        var again = StatusMapper.map(new StatusMapper.Input(1, first.phase(), first.message(), null, null,
                JobState.absent(), gate, false, first.conditions()), LATER);
        assertThat(again.announce()).isFalse();
        assertThat(again.conditions()).isEqualTo(first.conditions());
    }

    @Test
    void aNewWaitingReasonIsAnnounced() {
        var first = StatusMapper.map(notStarted(Gate.waiting(Gate.REASON_SECRET_MISSING, "no secret")), NOW);
        var next = StatusMapper.map(new StatusMapper.Input(1, first.phase(), first.message(), null, null,
                JobState.absent(), Gate.waiting(Gate.REASON_TABLE_BUSY, "busy"), false, first.conditions()), LATER);
        assertThat(next.announce()).isTrue();
        assertThat(next.warning()).isFalse();
    }

    @Test
    void pausedBeforeStartDoesNotCreateAJob() {
        var r = StatusMapper.map(notStarted(Gate.paused()), NOW);
        assertThat(r.phase()).isEqualTo(Phase.Paused);
        assertThat(r.createJob()).isFalse();
        assertThat(statuses(r)).containsEntry("Paused", "True").containsEntry("Reconciling", "False");
    }

    @Test
    void whileTheJobRunsTheRunnerOwnsThePhase() {
        var r = StatusMapper.map(running(Phase.Copying, "copying", JobState.active("j"), null), NOW);
        assertThat(r.phase()).isEqualTo(Phase.Copying);
        assertThat(r.message()).isEqualTo("copying");
        assertThat(r.operatorOwnsPhase()).isFalse();
        assertThat(r.createJob()).isFalse();
        assertThat(statuses(r)).containsEntry("Reconciling", "True").containsEntry("Ready", "False");
    }

    @Test
    void aRunnerWaitingForItsDatabaseSaysWhyInTheConditions() {
        String why = "the database cannot be reached: cannot connect to MySQL at db:3306; attempt 3 in 10 s";
        var r = StatusMapper.map(running(Phase.Pending, why, JobState.active("j"), null), NOW);
        assertThat(r.phase()).isEqualTo(Phase.Pending);
        assertThat(r.operatorOwnsPhase()).isFalse();
        assertThat(r.createJob()).isFalse();
        assertThat(statuses(r)).containsEntry("Reconciling", "True").containsEntry("Stalled", "False");
        assertThat(r.conditions()).allSatisfy(c -> assertThat(c.getMessage()).isEqualTo(why));
    }

    @Test
    void progressMessagesOfTheRunnerDoNotChurnTheConditions() {
        var first = StatusMapper.map(running(Phase.Copying, "copied 10%", JobState.active("j"), null), NOW);
        var next = StatusMapper.map(running(Phase.Copying, "copied 11%", JobState.active("j"), first.conditions()),
                LATER);
        assertThat(next.message()).isEqualTo("copied 11%");
        assertThat(next.conditions()).isEqualTo(first.conditions());
        assertThat(next.announce()).isFalse();

        var failed = StatusMapper.map(running(Phase.Failed, "critical load reached", JobState.active("j"),
                first.conditions()), LATER);
        assertThat(failed.conditions()).allSatisfy(c -> assertThat(c.getMessage()).isEqualTo("critical load reached"));
    }

    @Test
    void runnerPhasesMapToKstatusConditions() {
        assertThat(statuses(StatusMapper.map(running(Phase.Paused, null, JobState.active("j"), null), NOW)))
                .containsEntry("Paused", "True").containsEntry("Reconciling", "False")
                .containsEntry("Stalled", "False");
        assertThat(statuses(StatusMapper.map(running(Phase.AwaitingCutOver, null, JobState.active("j"), null), NOW)))
                .containsEntry("Paused", "True").containsEntry("Ready", "False");
        assertThat(statuses(StatusMapper.map(running(Phase.Succeeded, null, JobState.succeeded("j"), null), NOW)))
                .containsEntry("Ready", "True").containsEntry("Reconciling", "False")
                .containsEntry("Stalled", "False").containsEntry("Paused", "False");
        assertThat(statuses(StatusMapper.map(running(Phase.Validated, null, JobState.absent(), null), NOW)))
                .containsEntry("Ready", "True");
        assertThat(statuses(StatusMapper.map(running(Phase.Failed, "boom", JobState.failed("j", null, null), null),
                NOW))).containsEntry("Stalled", "True").containsEntry("Ready", "False");
        assertThat(statuses(StatusMapper.map(running(Phase.Cancelled, null, JobState.succeeded("j"), null), NOW)))
                .containsEntry("Stalled", "True");
    }

    @Test
    void aFinishedPhaseIsFinalWhateverTheJobDoes() {
        for (JobState job : List.of(JobState.absent(), JobState.active("j"), JobState.failed("j", "x", "y"))) {
            var r = StatusMapper.map(running(Phase.Succeeded, "done", job, null), NOW);
            assertThat(r.phase()).isEqualTo(Phase.Succeeded);
            assertThat(r.createJob()).isFalse();
            assertThat(r.operatorOwnsPhase()).isFalse();
            assertThat(r.setCompletedAt()).isTrue();
        }
    }

    @Test
    void aFinishedResourceWithoutStatusHistoryNeverCreatesAJob() {
        // e.g. re-applied by GitOps, or its Job removed: phase is what counts.
        var r = StatusMapper.map(new StatusMapper.Input(3, Phase.Validated, null, null, null, JobState.absent(),
                null, false, null), NOW);
        assertThat(r.createJob()).isFalse();
        assertThat(r.phase()).isEqualTo(Phase.Validated);
    }

    @Test
    void aFailedJobWithoutAResultFailsTheMigration() {
        var r = StatusMapper.map(running(Phase.Copying, "copying",
                JobState.failed("j", "BackoffLimitExceeded", "Job has reached the specified backoff limit"), null),
                NOW);
        assertThat(r.phase()).isEqualTo(Phase.Failed);
        assertThat(r.operatorOwnsPhase()).isTrue();
        assertThat(r.message()).contains("BackoffLimitExceeded").contains("last phase: Copying");
        assertThat(r.warning()).isTrue();
        assertThat(r.setCompletedAt()).isTrue();
    }

    @Test
    void aJobThatExitedWithoutAResultFailsTheMigration() {
        var r = StatusMapper.map(running(Phase.Validating, null, JobState.succeeded("j"), null), NOW);
        assertThat(r.phase()).isEqualTo(Phase.Failed);
        assertThat(r.reason()).isEqualTo(StatusMapper.REASON_RUNNER_EXITED);
    }

    @Test
    void aStartedMigrationWhoseJobIsMissingIsRecreatedOnlyBeforeTheRunnerReported() {
        var pending = StatusMapper.map(running(Phase.Pending, "starting", JobState.absent(), null), NOW);
        assertThat(pending.createJob()).isTrue();
        assertThat(pending.phase()).isEqualTo(Phase.Pending);

        var copying = StatusMapper.map(running(Phase.Copying, "copying", JobState.absent(), null), NOW);
        assertThat(copying.createJob()).isFalse();
        assertThat(copying.phase()).isEqualTo(Phase.Failed);
        assertThat(copying.reason()).isEqualTo(StatusMapper.REASON_JOB_MISSING);
    }

    @Test
    void deletionOfARunningMigrationIsReportedAsCancellingOnce() {
        var running = StatusMapper.map(running(Phase.Copying, "copying", JobState.active("j"), null), NOW);
        var deleting = StatusMapper.map(new StatusMapper.Input(2, Phase.Copying, "copying", "j", null,
                JobState.active("j"), null, true, running.conditions()), LATER);
        assertThat(deleting.phase()).isEqualTo(Phase.Copying);
        assertThat(deleting.operatorOwnsPhase()).isFalse();
        assertThat(deleting.announce()).isTrue();
        assertThat(deleting.reason()).isEqualTo(StatusMapper.REASON_CANCELLING);
        assertThat(statuses(deleting)).containsEntry("Reconciling", "True");

        var again = StatusMapper.map(new StatusMapper.Input(2, Phase.Copying, "copying", "j", null,
                JobState.active("j"), null, true, deleting.conditions()), LATER.plusSeconds(5));
        assertThat(again.announce()).isFalse();
    }

    @Test
    void phaseChangesAreAnnouncedAndTransitionTimesMove() {
        var copying = StatusMapper.map(running(Phase.Copying, null, JobState.active("j"), null), NOW);
        var paused = StatusMapper.map(running(Phase.Paused, null, JobState.active("j"), copying.conditions()), LATER);
        assertThat(paused.announce()).isTrue();
        Condition pausedCondition = paused.conditions().stream().filter(c -> c.getType().equals("Paused"))
                .findFirst().orElseThrow();
        assertThat(pausedCondition.getLastTransitionTime()).isEqualTo("2025-01-02T03:05:05Z");
        Condition stalled = paused.conditions().stream().filter(c -> c.getType().equals("Stalled")).findFirst()
                .orElseThrow();
        assertThat(stalled.getLastTransitionTime()).isEqualTo("2025-01-02T03:04:05Z");
    }
}
