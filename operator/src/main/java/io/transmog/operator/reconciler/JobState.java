package io.transmog.operator.reconciler;

import java.util.List;
import java.util.Optional;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;

/** What the runner Job of a migration looks like from the outside. */
public record JobState(Kind kind, String name, String reason, String message) {

    public enum Kind {
        /** No Job (never created, or deleted). */
        ABSENT,
        /** Created and not finished: pods may be pending, running, or being retried. */
        ACTIVE,
        /** Condition Complete=True. */
        SUCCEEDED,
        /** Condition Failed=True (backoff limit reached, pod failure policy, deadline...). */
        FAILED
    }

    public static JobState absent() {
        return new JobState(Kind.ABSENT, null, null, null);
    }

    public static JobState active(String name) {
        return new JobState(Kind.ACTIVE, name, null, null);
    }

    public static JobState succeeded(String name) {
        return new JobState(Kind.SUCCEEDED, name, null, null);
    }

    public static JobState failed(String name, String reason, String message) {
        return new JobState(Kind.FAILED, name, reason, message);
    }

    public boolean isFinished() {
        return kind == Kind.SUCCEEDED || kind == Kind.FAILED;
    }

    public static JobState of(Optional<Job> job) {
        return job.map(JobState::of).orElseGet(JobState::absent);
    }

    public static JobState of(Job job) {
        if (job == null) {
            return absent();
        }
        String name = job.getMetadata().getName();
        List<JobCondition> conditions = job.getStatus() == null || job.getStatus().getConditions() == null
                ? List.of()
                : job.getStatus().getConditions();
        for (JobCondition c : conditions) {
            if ("True".equals(c.getStatus()) && "Failed".equals(c.getType())) {
                return failed(name, c.getReason(), c.getMessage());
            }
        }
        for (JobCondition c : conditions) {
            if ("True".equals(c.getStatus()) && "Complete".equals(c.getType())) {
                return succeeded(name);
            }
        }
        return active(name);
    }
}
