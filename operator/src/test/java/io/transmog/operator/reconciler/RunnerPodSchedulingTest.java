package io.transmog.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.transmog.operator.model.RunnerSpec;
import io.transmog.operator.model.SchemaMigration;

class RunnerPodSchedulingTest {

    private static final String SCHEDULER_SAYS = "0/1 nodes are available: 1 node(s) didn't match Pod's node "
            + "affinity/selector. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.";

    private final SchemaMigration migration = Fixtures.migration("shop", "m", "mysql", "shop", "customers");
    private final Job job = created(RunnerJobs.desired(migration, RunnerJobsTest.CONFIG, RunnerJobsTest.IMAGE),
            "job-uid-1");

    @Test
    void aPodNoNodeCanTakeIsReportedWithTheSchedulersReason() {
        var s = RunnerPodScheduling.of(job, List.of(unschedulable("m-abcde", "job-uid-1")), wanted());
        assertThat(s.unschedulable()).isTrue();
        assertThat(s.unschedulablePod()).isEqualTo("m-abcde");
        assertThat(s.schedulerMessage()).isEqualTo(SCHEDULER_SAYS);
        assertThat(s.jobOutdated()).isFalse();
    }

    @Test
    void aPodWithANodeOrNoPodAtAllIsNotUnschedulable() {
        Pod scheduled = new PodBuilder(unschedulable("m-abcde", "job-uid-1")).editSpec().withNodeName("127.0.0.1")
                .endSpec().editStatus().withConditions().addNewCondition().withType("PodScheduled").withStatus("True")
                .endCondition().endStatus().build();
        assertThat(RunnerPodScheduling.of(job, List.of(scheduled), wanted()).unschedulable()).isFalse();
        assertThat(RunnerPodScheduling.of(job, List.of(), wanted()).unschedulable()).isFalse();
        assertThat(RunnerPodScheduling.of(null, List.of(unschedulable("m-abcde", "job-uid-1")), wanted()))
                .isEqualTo(RunnerPodScheduling.none());
    }

    @Test
    void podsOfAnotherJobOrOnTheirWayOutDoNotCount() {
        // The pods of a replaced Job of the same name still carry its job-name label until the garbage collector
        // has removed them: only the owner's uid tells them apart.
        Pod ofTheOldJob = unschedulable("m-old", "job-uid-0");
        Pod deleting = new PodBuilder(unschedulable("m-going", "job-uid-1")).editMetadata()
                .withDeletionTimestamp("2025-01-02T03:04:05Z").endMetadata().build();
        Pod failed = new PodBuilder(unschedulable("m-failed", "job-uid-1")).editStatus().withPhase("Failed")
                .endStatus().build();
        assertThat(RunnerPodScheduling.of(job, List.of(ofTheOldJob, deleting, failed), wanted()).unschedulable())
                .isFalse();
    }

    @Test
    void aChangedPlacementMakesTheJobOutdated() {
        var runner = new RunnerSpec();
        runner.setNodeSelector(Map.of("pool", "db-tools"));
        migration.getSpec().setRunner(runner);
        assertThat(RunnerPodScheduling.of(job, List.of(unschedulable("m-abcde", "job-uid-1")), wanted()).jobOutdated())
                .as("the Job asks for no node selector, the spec now does").isTrue();

        var resized = new RunnerSpec();
        resized.setResources(new ResourceRequirementsBuilder().addToRequests("memory", new Quantity("64Mi")).build());
        migration.getSpec().setRunner(resized);
        assertThat(RunnerPodScheduling.of(job, List.of(), wanted()).jobOutdated()).isTrue();
    }

    @Test
    void theSamePlacementWrittenDifferentlyIsNotAChange() {
        var runner = new RunnerSpec();
        runner.setNodeSelector(Map.of());
        runner.setResources(new ResourceRequirementsBuilder()
                .addToRequests("cpu", new Quantity("0.1"))
                .addToRequests("memory", new Quantity(RunnerJobsTest.CONFIG.runnerMemoryRequest()))
                .addToLimits("memory", new Quantity(String.valueOf(
                        Quantity.getAmountInBytes(new Quantity(RunnerJobsTest.CONFIG.runnerMemoryLimit())))))
                .build());
        migration.getSpec().setRunner(runner);
        assertThat(RunnerPodScheduling.of(job, List.of(), wanted()).jobOutdated()).isFalse();
    }

    private RunnerJobs.Placement wanted() {
        return RunnerJobs.placement(migration, RunnerJobsTest.CONFIG);
    }

    private static Job created(Job job, String uid) {
        job.getMetadata().setUid(uid);
        return job;
    }

    /** A pod of the Job with {@code jobUid}, as the scheduler leaves one that no node can take. */
    private static Pod unschedulable(String name, String jobUid) {
        return new PodBuilder()
                .withNewMetadata().withName(name).withNamespace("shop")
                    .withCreationTimestamp("2025-01-02T03:04:05Z")
                    .addNewOwnerReference().withKind("Job").withName("smig-m-1234").withUid(jobUid)
                        .withController(true).endOwnerReference()
                .endMetadata()
                .withNewSpec().endSpec()
                .withNewStatus().withPhase("Pending")
                    .addNewCondition().withType("PodScheduled").withStatus("False").withReason("Unschedulable")
                        .withMessage(SCHEDULER_SAYS).endCondition()
                .endStatus()
                .build();
    }
}
