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
        return new StatusMapper.Input(1, null, null, null, null, JobState.absent(), gate, false, null, false,
                RunnerPodScheduling.none());
    }

    /** A started migration whose runner has reported {@code reported}. */
    private static StatusMapper.Input running(Phase reported, String message, JobState job,
            List<Condition> previous) {
        return reported(reported, message, job, previous, RunnerPodScheduling.none());
    }

    private static StatusMapper.Input reported(Phase reported, String message, JobState job,
            List<Condition> previous, RunnerPodScheduling scheduling) {
        return new StatusMapper.Input(2, reported, message, "smig-x-1234abcd", null, job, null, false, previous, true,
                scheduling);
    }

    /** A started migration whose runner has not reported yet: phase and message are still the operator's. */
    private static StatusMapper.Input beforeTheRunner(String message, RunnerPodScheduling scheduling,
            List<Condition> previous) {
        return new StatusMapper.Input(2, Phase.Pending, message, "smig-x-1234abcd", null,
                JobState.active("smig-x-1234abcd"), null, false, previous, false, scheduling);
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
                JobState.absent(), gate, false, first.conditions(), false, RunnerPodScheduling.none()), LATER);
        assertThat(again.announce()).isFalse();
        assertThat(again.conditions()).isEqualTo(first.conditions());
    }

    @Test
    void aNewWaitingReasonIsAnnounced() {
        var first = StatusMapper.map(notStarted(Gate.waiting(Gate.REASON_SECRET_MISSING, "no secret")), NOW);
        var next = StatusMapper.map(new StatusMapper.Input(1, first.phase(), first.message(), null, null,
                JobState.absent(), Gate.waiting(Gate.REASON_TABLE_BUSY, "busy"), false, first.conditions(), false,
                RunnerPodScheduling.none()), LATER);
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
                null, false, null, true, RunnerPodScheduling.none()), NOW);
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
                JobState.active("j"), null, true, running.conditions(), true, RunnerPodScheduling.none()), LATER);
        assertThat(deleting.phase()).isEqualTo(Phase.Copying);
        assertThat(deleting.operatorOwnsPhase()).isFalse();
        assertThat(deleting.announce()).isTrue();
        assertThat(deleting.reason()).isEqualTo(StatusMapper.REASON_CANCELLING);
        assertThat(statuses(deleting)).containsEntry("Reconciling", "True");

        var again = StatusMapper.map(new StatusMapper.Input(2, Phase.Copying, "copying", "j", null,
                JobState.active("j"), null, true, deleting.conditions(), true, RunnerPodScheduling.none()),
                LATER.plusSeconds(5));
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

    private static final String SCHEDULER_SAYS = "0/1 nodes are available: 1 node(s) didn't match Pod's node "
            + "affinity/selector.";
    private static final RunnerPodScheduling NO_NODE = new RunnerPodScheduling("smig-x-1234abcd-q7x2p",
            SCHEDULER_SAYS, false);

    @Test
    void aRunnerPodNoNodeCanTakeKeepsTheMigrationPendingWithTheSchedulersReason() {
        var r = StatusMapper.map(beforeTheRunner("creating runner Job smig-x-1234abcd", NO_NODE, null), NOW);
        assertThat(r.phase()).isEqualTo(Phase.Pending);
        assertThat(r.operatorOwnsPhase()).isTrue();
        assertThat(r.reason()).isEqualTo(StatusMapper.REASON_UNSCHEDULABLE);
        assertThat(r.message()).isEqualTo("runner pod smig-x-1234abcd-q7x2p cannot be scheduled: " + SCHEDULER_SAYS);
        assertThat(r.createJob()).isFalse();
        assertThat(r.replaceJob()).isFalse();
        assertThat(r.announce()).isTrue();
        assertThat(r.warning()).isTrue();
        assertThat(statuses(r)).containsEntry("Reconciling", "True").containsEntry("Stalled", "False")
                .containsEntry("Ready", "False");
        assertThat(r.conditions()).allSatisfy(c -> {
            assertThat(c.getReason()).isIn("Pending", StatusMapper.REASON_UNSCHEDULABLE);
            assertThat(c.getMessage()).contains(SCHEDULER_SAYS);
        });

        var again = StatusMapper.map(beforeTheRunner(r.message(), NO_NODE, r.conditions()), LATER);
        assertThat(again.announce()).as("announced once").isFalse();
        assertThat(again.conditions()).isEqualTo(r.conditions());
    }

    @Test
    void theSchedulersReasonGoesAwayOnceThePodHasANode() {
        var waiting = StatusMapper.map(beforeTheRunner("creating runner Job smig-x-1234abcd", NO_NODE, null), NOW);
        var scheduled = StatusMapper.map(beforeTheRunner(waiting.message(), RunnerPodScheduling.none(),
                waiting.conditions()), LATER);
        assertThat(scheduled.phase()).isEqualTo(Phase.Pending);
        assertThat(scheduled.operatorOwnsPhase()).as("the operator replaces its own message").isTrue();
        assertThat(scheduled.reason()).isEqualTo(Gate.REASON_STARTING);
        assertThat(scheduled.message()).isEqualTo("waiting for the pod of runner Job smig-x-1234abcd to start");
        assertThat(scheduled.conditions()).allSatisfy(c -> assertThat(c.getMessage()).doesNotContain("nodes are"));
        assertThat(scheduled.warning()).isFalse();
        assertThat(scheduled.replaceJob()).isFalse();
    }

    @Test
    void aChangedPlacementReplacesTheJobWhosePodNeverRan() {
        var outdated = new RunnerPodScheduling(NO_NODE.unschedulablePod(), SCHEDULER_SAYS, true);
        var r = StatusMapper.map(beforeTheRunner("runner pod ... cannot be scheduled", outdated, null), NOW);
        assertThat(r.replaceJob()).isTrue();
        assertThat(r.createJob()).as("created once the old one is gone").isFalse();
        assertThat(r.phase()).isEqualTo(Phase.Pending);
        assertThat(r.operatorOwnsPhase()).isTrue();
        assertThat(r.reason()).isEqualTo(StatusMapper.REASON_REPLACING_JOB);
        assertThat(r.message()).startsWith("spec.runner changed: replacing runner Job smig-x-1234abcd (")
                .contains(SCHEDULER_SAYS);
        assertThat(r.warning()).isFalse();

        // A Job whose pod has a node, or whose runner has reported, is never replaced: it may have run.
        var placed = new RunnerPodScheduling(null, null, true);
        assertThat(StatusMapper.map(beforeTheRunner("waiting", placed, null), NOW).replaceJob()).isFalse();
        assertThat(StatusMapper.map(reported(Phase.Pending, "the database cannot be reached", JobState.active("j"),
                null, outdated), NOW).replaceJob()).isFalse();
    }

    @Test
    void aReplacementPodWithoutANodeLeavesPhaseToTheRunnerAndSaysWhyInTheConditions() {
        var copying = StatusMapper.map(running(Phase.Copying, "copying", JobState.active("j"), null), NOW);
        var r = StatusMapper.map(reported(Phase.Copying, "copying", JobState.active("j"), copying.conditions(),
                NO_NODE), LATER);
        assertThat(r.phase()).isEqualTo(Phase.Copying);
        assertThat(r.message()).isEqualTo("copying");
        assertThat(r.operatorOwnsPhase()).isFalse();
        assertThat(r.reason()).isEqualTo(StatusMapper.REASON_UNSCHEDULABLE);
        assertThat(r.announce()).isTrue();
        assertThat(r.conditions()).filteredOn(c -> c.getType().equals("Reconciling")).singleElement()
                .satisfies(c -> assertThat(c.getMessage()).contains(SCHEDULER_SAYS));
    }
}
