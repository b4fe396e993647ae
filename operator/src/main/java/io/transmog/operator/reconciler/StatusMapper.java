package io.transmog.operator.reconciler;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.transmog.operator.model.Phase;

/**
 * Pure mapping from what the operator observes (the runner-reported status, the runner Job, the start gate) to
 * the phase and the kstatus conditions. No I/O, no clock of its own: everything comes in through {@link Input}.
 *
 * <p>
 * Conditions (all four always present, {@code observedGeneration} set):
 * <ul>
 * <li>{@code Ready}: True for Succeeded and Validated; its reason is always the phase, which is also how the
 * operator remembers which phase it last announced with an Event.</li>
 * <li>{@code Reconciling}: True while work is in progress or pending (Pending, Validating, Copying, CuttingOver,
 * or a requested cancellation).</li>
 * <li>{@code Stalled}: True for Failed and Cancelled: nothing more will happen without a new resource.</li>
 * <li>{@code Paused}: True for Paused and AwaitingCutOver: waiting for a person to change the spec.</li>
 * </ul>
 * A started migration whose runner pod no node can take stays Pending with reason {@value #REASON_UNSCHEDULABLE}
 * and the scheduler's own words in the message (from the pod's {@code PodScheduled} condition); when the spec's
 * placement changes meanwhile, the Job, which cannot be edited, is replaced ({@link Result#replaceJob}).
 */
public final class StatusMapper {

    public static final String READY = "Ready";
    public static final String RECONCILING = "Reconciling";
    public static final String STALLED = "Stalled";
    public static final String PAUSED = "Paused";

    public static final String REASON_CANCELLING = "Cancelling";
    public static final String REASON_RUNNER_FAILED = "RunnerFailed";
    public static final String REASON_RUNNER_EXITED = "RunnerExitedWithoutResult";
    public static final String REASON_JOB_MISSING = "RunnerJobMissing";
    /** The runner Job's pod waits for a node: the scheduler's reason is in the message. */
    public static final String REASON_UNSCHEDULABLE = "RunnerUnschedulable";
    /** spec.runner changed while the Job's pod could not be scheduled: the Job is replaced by one that asks anew. */
    public static final String REASON_REPLACING_JOB = "RunnerJobReplaced";

    private static final Set<Phase> IN_PROGRESS = EnumSet.of(Phase.Pending, Phase.Validating, Phase.Copying,
            Phase.CuttingOver);
    private static final Set<Phase> WAITING_FOR_USER = EnumSet.of(Phase.Paused, Phase.AwaitingCutOver);
    private static final Set<String> WARNING_REASONS = Set.of(Gate.REASON_SECRET_MISSING,
            Gate.REASON_SECRET_KEY_MISSING, REASON_RUNNER_FAILED, REASON_RUNNER_EXITED, REASON_JOB_MISSING,
            REASON_UNSCHEDULABLE);

    private StatusMapper() {
    }

    /**
     * @param generation metadata.generation of the resource
     * @param reportedPhase status.phase as stored (written by the runner, or earlier by the operator); may be null
     * @param reportedMessage status.message as stored
     * @param jobName status.jobName: non-null once the operator has started the migration
     * @param completedAt status.completedAt as stored
     * @param job the runner Job as observed
     * @param gate whether a not yet started migration may start (ignored once jobName is set)
     * @param deleting metadata.deletionTimestamp is set
     * @param previousConditions status.conditions as stored (for lastTransitionTime and the announced phase)
     * @param runnerReported the runner has written phase or message (its field manager holds them): until then the
     *        operator says what the started migration waits for
     * @param scheduling what the scheduler says of the runner Job's pod
     */
    public record Input(long generation, Phase reportedPhase, String reportedMessage, String jobName,
            String completedAt, JobState job, Gate gate, boolean deleting, List<Condition> previousConditions,
            boolean runnerReported, RunnerPodScheduling scheduling) {
    }

    /**
     * @param phase the phase to show
     * @param message the message to show
     * @param operatorOwnsPhase whether the operator must write phase and message (else the runner owns them and
     *        the operator leaves them alone)
     * @param reason CamelCase reason of the non-Ready conditions
     * @param conditions the full condition list to store
     * @param createJob whether the runner Job must be created now
     * @param setCompletedAt whether the operator must fill in status.completedAt
     * @param announce whether this is a change worth a Kubernetes Event
     * @param warning whether that Event is a Warning
     * @param replaceJob whether the runner Job must be deleted, to be created again from the changed spec (its pod
     *        never ran: it could not be scheduled)
     */
    public record Result(Phase phase, String message, boolean operatorOwnsPhase, String reason,
            List<Condition> conditions, boolean createJob, boolean setCompletedAt, boolean announce,
            boolean warning, boolean replaceJob) {
    }

    public static Result map(Input in, Instant now) {
        Phase reported = in.reportedPhase();
        Phase phase;
        String message;
        String reason;
        boolean operatorOwns = false;
        boolean createJob = false;
        boolean replaceJob = false;
        // The scheduler's reason, in the conditions, when the runner owns phase and message (a replacement pod of a
        // runner that already reported finds no node).
        String unschedulable = null;

        if (reported != null && reported.isFinished()) {
            phase = reported;
            message = orDefault(in.reportedMessage(), defaultMessage(reported));
            reason = reported.name();
        } else if (in.deleting()) {
            phase = reported == null ? Phase.Pending : reported;
            message = in.jobName() == null
                    ? "deletion requested before the migration started"
                    : "deletion requested: waiting for the runner to cancel the migration and clean up";
            reason = REASON_CANCELLING;
        } else if (in.jobName() == null) {
            Gate gate = Objects.requireNonNull(in.gate(), "gate is required before the migration starts");
            operatorOwns = true;
            reason = gate.reason();
            message = gate.message();
            switch (gate.kind()) {
                case OPEN -> {
                    phase = Phase.Pending;
                    createJob = true;
                }
                case PAUSED -> phase = Phase.Paused;
                default -> phase = Phase.Pending;
            }
        } else {
            JobState job = in.job() == null ? JobState.absent() : in.job();
            String last = reported == null ? Phase.Pending.name() : reported.name();
            switch (job.kind()) {
                case ACTIVE -> {
                    RunnerPodScheduling scheduling = in.scheduling() == null ? RunnerPodScheduling.none()
                            : in.scheduling();
                    String waiting = scheduling.unschedulable() ? "runner pod " + scheduling.unschedulablePod()
                            + " cannot be scheduled: " + scheduling.schedulerMessage() : null;
                    if (in.runnerReported()) {
                        phase = reported == null ? Phase.Pending : reported;
                        message = orDefault(in.reportedMessage(), defaultMessage(phase));
                        reason = waiting == null ? phase.name() : REASON_UNSCHEDULABLE;
                        unschedulable = waiting;
                    } else if (waiting != null && scheduling.jobOutdated()) {
                        // Its pod never ran, so nothing has happened in the database: a new Job asks anew.
                        operatorOwns = true;
                        phase = Phase.Pending;
                        reason = REASON_REPLACING_JOB;
                        message = "spec.runner changed: replacing runner Job " + in.jobName() + " (" + waiting + ")";
                        replaceJob = true;
                    } else if (waiting != null) {
                        operatorOwns = true;
                        phase = Phase.Pending;
                        reason = REASON_UNSCHEDULABLE;
                        message = waiting;
                    } else {
                        operatorOwns = true;
                        phase = Phase.Pending;
                        reason = Gate.REASON_STARTING;
                        message = "waiting for the pod of runner Job " + in.jobName() + " to start";
                    }
                }
                case SUCCEEDED -> {
                    operatorOwns = true;
                    phase = Phase.Failed;
                    reason = REASON_RUNNER_EXITED;
                    message = "runner Job " + in.jobName() + " completed without recording a result (last phase: "
                            + last + ")";
                }
                case FAILED -> {
                    operatorOwns = true;
                    phase = Phase.Failed;
                    reason = REASON_RUNNER_FAILED;
                    message = "runner Job " + in.jobName() + " failed"
                            + (job.reason() == null ? "" : " (" + job.reason() + ")")
                            + (job.message() == null ? "" : ": " + job.message())
                            + "; last phase: " + last
                            + (in.reportedMessage() == null ? "" : "; last message: " + in.reportedMessage());
                }
                default -> {
                    if (reported == null || reported == Phase.Pending) {
                        // Started by the operator but the Job is not there (yet): create it.
                        operatorOwns = true;
                        phase = Phase.Pending;
                        reason = Gate.REASON_STARTING;
                        message = "creating runner Job " + in.jobName();
                        createJob = true;
                    } else {
                        operatorOwns = true;
                        phase = Phase.Failed;
                        reason = REASON_JOB_MISSING;
                        message = "runner Job " + in.jobName() + " disappeared before the migration finished "
                                + "(last phase: " + last + ")";
                    }
                }
            }
        }

        // While the runner reports progress its message changes all the time; conditions only carry it when it
        // matters (the operator's own messages, finished phases, why a started migration is Pending again, e.g.
        // its database cannot be reached), so they change with the phase, not with every progress report.
        String conditionMessage = unschedulable != null ? unschedulable
                : operatorOwns || phase.isFinished() || phase == Phase.Pending || REASON_CANCELLING.equals(reason)
                        ? message
                        : defaultMessage(phase);
        List<Condition> conditions = conditions(phase, reason, conditionMessage,
                in.deleting() && !phase.isFinished(), in.generation(), in.previousConditions(), now);
        String announcedPhase = reasonOf(in.previousConditions(), READY);
        String announcedReason = reasonOf(in.previousConditions(), RECONCILING);
        boolean announce = !phase.name().equals(announcedPhase)
                || (!phase.isFinished() && !reason.equals(announcedReason)
                        && ((operatorOwns && phase == Phase.Pending) || REASON_CANCELLING.equals(reason)
                                || REASON_UNSCHEDULABLE.equals(reason)));
        boolean warning = phase == Phase.Failed || WARNING_REASONS.contains(reason);
        boolean setCompletedAt = phase.isFinished() && in.completedAt() == null;
        return new Result(phase, message, operatorOwns, reason, conditions, createJob, setCompletedAt, announce,
                warning, replaceJob);
    }

    static List<Condition> conditions(Phase phase, String reason, String message, boolean cancelling,
            long generation, List<Condition> previous, Instant now) {
        List<Condition> out = new ArrayList<>(4);
        out.add(condition(READY, phase.isSuccess(), phase.name(), message, generation, previous, now));
        out.add(condition(RECONCILING, cancelling || IN_PROGRESS.contains(phase), reason, message, generation,
                previous, now));
        out.add(condition(STALLED, phase == Phase.Failed || phase == Phase.Cancelled, reason, message, generation,
                previous, now));
        out.add(condition(PAUSED, WAITING_FOR_USER.contains(phase), reason, message, generation, previous, now));
        return out;
    }

    private static Condition condition(String type, boolean value, String reason, String message, long generation,
            List<Condition> previous, Instant now) {
        String status = value ? "True" : "False";
        String transition = now.truncatedTo(ChronoUnit.SECONDS).toString();
        if (previous != null) {
            for (Condition p : previous) {
                if (type.equals(p.getType()) && status.equals(p.getStatus()) && p.getLastTransitionTime() != null) {
                    transition = p.getLastTransitionTime();
                }
            }
        }
        return new ConditionBuilder()
                .withType(type)
                .withStatus(status)
                .withReason(reason)
                .withMessage(message)
                .withObservedGeneration(generation)
                .withLastTransitionTime(transition)
                .build();
    }

    private static String reasonOf(List<Condition> conditions, String type) {
        if (conditions == null) {
            return null;
        }
        return conditions.stream().filter(c -> type.equals(c.getType())).map(Condition::getReason)
                .filter(Objects::nonNull).findFirst().orElse(null);
    }

    private static String orDefault(String s, String fallback) {
        return s == null || s.isBlank() ? fallback : s;
    }

    static String defaultMessage(Phase phase) {
        return switch (phase) {
            case Pending -> "waiting for the runner to start";
            case Validating -> "validating the server, the table and the ALTER";
            case Copying -> "copying rows and applying binlog events";
            case Paused -> "paused: set spec.paused to false to resume";
            case AwaitingCutOver -> "ready to cut over: set spec.cutOver.approved to true";
            case CuttingOver -> "swapping the tables";
            case Succeeded -> "the table has been changed";
            case Failed -> "the migration failed";
            case Cancelled -> "the migration was cancelled; the original table is untouched";
            case Validated -> "dry run passed: see status.plan";
        };
    }
}
