package io.transmog.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.FieldsV1;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.transmog.operator.model.Phase;
import io.transmog.operator.model.SchemaMigration;
import io.transmog.operator.status.StatusApply;

/**
 * What the operator applies, and whether with force, from the copy of a resource it decided on. The copy may be
 * older than the runner's last write: force is only right once the runner can no longer write.
 */
class OwnFieldsTest {

    private static final Instant NOW = Instant.parse("2025-01-02T03:04:05Z");
    private static final String JOB = "smig-m-1234abcd";

    /** A started migration as stored, its status fields owned through apply as given. */
    private static SchemaMigration started(Phase phase, String message, Map<String, List<String>> ownersOfFields) {
        SchemaMigration m = Fixtures.withStatus(Fixtures.migration("ns", "m", "db", "shop", "orders"), phase, JOB);
        m.getStatus().setMessage(message);
        m.getStatus().setStartedAt("2025-01-02T03:00:00Z");
        List<ManagedFieldsEntry> entries = new ArrayList<>();
        ownersOfFields.forEach((manager, fields) -> {
            Map<String, Object> status = new LinkedHashMap<>();
            fields.forEach(f -> status.put("f:" + f, Map.of()));
            FieldsV1 owned = new FieldsV1();
            owned.setAdditionalProperty("f:status", status);
            entries.add(new ManagedFieldsEntryBuilder().withManager(manager).withOperation("Apply")
                    .withSubresource("status").withFieldsV1(owned).build());
        });
        m.getMetadata().setManagedFields(entries);
        return m;
    }

    private static SchemaMigrationReconciler.OwnFields decide(SchemaMigration m, JobState job, boolean reported) {
        var status = m.getStatus();
        var result = StatusMapper.map(new StatusMapper.Input(1, status.getPhase(), status.getMessage(), JOB, null, job,
                null, false, null, reported, RunnerPodScheduling.none()), NOW);
        return SchemaMigrationReconciler.ownFields(m, status, result, job, false, NOW);
    }

    @Test
    void whileTheJobRunsACopyFromBeforeTheRunnersFirstWriteIsAppliedWithoutForce() {
        // The copy still shows the operator's Pending; the runner may have written Copying, or even Succeeded, since.
        // Forced, this apply would overwrite that; unforced, the API server refuses it with 409 if so.
        var copy = started(Phase.Pending, "creating runner Job " + JOB, Map.of(StatusApply.OPERATOR,
                List.of("phase", "message", "jobName", "startedAt", "conditions", "observedGeneration")));

        var own = decide(copy, JobState.active(JOB), false);

        assertThat(own.force()).isFalse();
        assertThat(own.status().getPhase()).isEqualTo(Phase.Pending);
        assertThat(own.status().getMessage()).isEqualTo("waiting for the pod of runner Job " + JOB + " to start");
    }

    @Test
    void aJobThatEndedWithoutAResultIsRecordedAsFailedWithForce() {
        var copy = started(Phase.Copying, "copying", Map.of(
                StatusApply.OPERATOR, List.of("jobName", "startedAt", "conditions", "observedGeneration"),
                StatusApply.RUNNER, List.of("phase", "message", "progress")));

        var failed = decide(copy, JobState.failed(JOB, "BackoffLimitExceeded", "too many pod failures"), true);
        assertThat(failed.force()).isTrue();
        assertThat(failed.status().getPhase()).isEqualTo(Phase.Failed);

        var vanished = decide(copy, JobState.absent(), true);
        assertThat(vanished.force()).isTrue();
        assertThat(vanished.status().getPhase()).isEqualTo(Phase.Failed);
        assertThat(vanished.status().getMessage()).contains("disappeared before the migration finished");
    }

    @Test
    void whileTheRunnerReportsTheOperatorLeavesPhaseAndMessageOut() {
        var copy = started(Phase.Copying, "copying", Map.of(
                StatusApply.OPERATOR, List.of("jobName", "startedAt", "conditions", "observedGeneration"),
                StatusApply.RUNNER, List.of("phase", "message", "progress")));

        var own = decide(copy, JobState.active(JOB), true);

        assertThat(own.force()).isFalse();
        assertThat(own.status().getPhase()).isNull();
        assertThat(own.status().getMessage()).isNull();
        assertThat(own.status().getJobName()).isEqualTo(JOB);
    }
}
