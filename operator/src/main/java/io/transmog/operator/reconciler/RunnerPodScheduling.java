package io.transmog.operator.reconciler;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.batch.v1.Job;

/**
 * What the scheduler says of the runner Job's pod, the one thing about the pods that the status shows: a pod no node
 * can take waits in phase Pending with condition {@code PodScheduled=False} (reason {@code Unschedulable}) and the
 * scheduler's reason in its message ("0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector.
 * ..."), and the Job itself never says so. Pure: built from the Job and its pods as the operator observed them.
 *
 * @param unschedulablePod the name of the Job's pod that waits for a node, or null when none does (no pod yet, or
 *        one has a node)
 * @param schedulerMessage the scheduler's reason for that pod, or null
 * @param jobOutdated the Job's pod template asks for another placement than the spec now does (spec.runner changed
 *        after the Job was created)
 */
public record RunnerPodScheduling(String unschedulablePod, String schedulerMessage, boolean jobOutdated) {

    private static final Set<String> FINISHED = Set.of("Succeeded", "Failed");

    public static RunnerPodScheduling none() {
        return new RunnerPodScheduling(null, null, false);
    }

    public boolean unschedulable() {
        return unschedulablePod != null;
    }

    /**
     * @param job the runner Job, or null
     * @param pods pods of runner Jobs (others' pods, and pods of an earlier Job of the same name, are left out here)
     * @param wanted the placement the spec asks for now
     */
    public static RunnerPodScheduling of(Job job, Collection<Pod> pods, RunnerJobs.Placement wanted) {
        if (job == null) {
            return none();
        }
        boolean outdated = !RunnerJobs.Placement.of(job).equals(wanted);
        String uid = job.getMetadata().getUid();
        List<Pod> current = pods.stream()
                .filter(p -> p.getMetadata().getOwnerReferences() != null && p.getMetadata().getOwnerReferences()
                        .stream().anyMatch(o -> o.getUid() != null && o.getUid().equals(uid)))
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                .filter(p -> p.getStatus() == null || !FINISHED.contains(p.getStatus().getPhase()))
                .toList();
        if (current.stream().anyMatch(p -> p.getSpec().getNodeName() != null && !p.getSpec().getNodeName().isBlank())) {
            return new RunnerPodScheduling(null, null, outdated);
        }
        Optional<Pod> waiting = current.stream().filter(p -> unschedulableCondition(p).isPresent())
                .max(Comparator.comparing(p -> p.getMetadata().getCreationTimestamp(),
                        Comparator.nullsFirst(Comparator.naturalOrder())));
        return waiting.map(p -> new RunnerPodScheduling(p.getMetadata().getName(),
                unschedulableCondition(p).get().getMessage(), outdated))
                .orElseGet(() -> new RunnerPodScheduling(null, null, outdated));
    }

    private static Optional<PodCondition> unschedulableCondition(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
            return Optional.empty();
        }
        return pod.getStatus().getConditions().stream()
                .filter(c -> "PodScheduled".equals(c.getType()) && "False".equals(c.getStatus())
                        && "Unschedulable".equals(c.getReason()))
                .findFirst();
    }
}
