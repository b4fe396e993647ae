package io.transmog.operator.reconciler;

/**
 * Who writes {@code status.phase} and {@code status.message} at each point of a migration's life, and how the
 * operator sends them in its server-side apply. They are the only status fields that change hands; every other field
 * has one writer for good (see {@code SchemaMigrationStatus}). Pure: the caller passes what it observed.
 *
 * <ul>
 * <li>Before the runner Job exists (gate closed, paused before start, creating the Job): the operator decides them
 * and applies them without force ({@link Write#APPLY}). Nobody else has written them, so nothing can conflict.</li>
 * <li>While the Job runs: the runner owns them. Its writes are forced until the API server shows it as their only
 * owner: a Job exists, so the operator has nothing left to say about them, and the runner must not depend on the
 * operator being up to start reporting. Force only evicts the other manager from a field whose value it changes; a
 * runner that first writes the operator's own value (Pending) shares the field with it, which is why the runner
 * keeps forcing until it owns them alone, and why the operator releases its share as soon as it sees the runner's
 * ({@link Write#LEAVE}). Until the runner's first write the operator still holds the value it wrote (Pending) and
 * keeps applying it unchanged ({@link Write#KEEP}): leaving it out would delete the phase under apply semantics.
 * Should the operator apply them from a stale copy after the runner took them, the API server refuses with 409 and
 * the operator decides again on the fresh copy.</li>
 * <li>The Job ended (or vanished) without the runner recording a finished phase: the runner can no longer write,
 * and the operator takes them over with force to record Failed ({@link Write#TAKE_OVER}). From then on the runner's
 * writes without force are refused with 409, so a late runner can never turn a recorded failure back.</li>
 * <li>A finished phase is final: whoever recorded it keeps owning it (the operator keeps applying its own Failed,
 * {@link Write#KEEP}).</li>
 * </ul>
 */
public final class PhaseOwnership {

    public enum Write {
        /** Apply the phase and message the operator decided, without force. */
        APPLY,
        /** Apply the phase and message the operator decided, with force: the runner is gone. */
        TAKE_OVER,
        /** Apply the stored phase and message unchanged: the operator still owns them and must not drop them. */
        KEEP,
        /** Leave them out: the runner owns them. */
        LEAVE
    }

    private PhaseOwnership() {
    }

    /**
     * @param operatorDecides the status mapping decided the phase itself ({@link StatusMapper.Result#operatorOwnsPhase})
     * @param jobEnded the migration was started and its Job has ended or vanished: the runner may have written phase
     *        and message after the copy of the resource the operator decided on
     * @param operatorHolds the operator's field manager owns status.phase on the stored resource
     * @param runnerHolds the runner's field manager owns status.phase on the stored resource (alone or shared)
     */
    public static Write decide(boolean operatorDecides, boolean jobEnded, boolean operatorHolds, boolean runnerHolds) {
        if (operatorDecides) {
            return runnerHolds || jobEnded ? Write.TAKE_OVER : Write.APPLY;
        }
        if (runnerHolds) {
            return Write.LEAVE;
        }
        return operatorHolds ? Write.KEEP : Write.LEAVE;
    }
}
