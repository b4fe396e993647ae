package io.transmog.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.transmog.operator.reconciler.PhaseOwnership.Write;

class PhaseOwnershipTest {

    // decide(operatorDecides, jobEnded, operatorHolds, runnerHolds)

    @Test
    void beforeTheJobExistsTheOperatorAppliesWithoutForce() {
        assertThat(PhaseOwnership.decide(true, false, false, false)).isEqualTo(Write.APPLY);
        assertThat(PhaseOwnership.decide(true, false, true, false)).isEqualTo(Write.APPLY);
    }

    @Test
    void whileTheRunnerHasNotWrittenYetTheOperatorKeepsItsPendingInsteadOfDeletingIt() {
        assertThat(PhaseOwnership.decide(false, false, true, false)).isEqualTo(Write.KEEP);
    }

    @Test
    void onceTheRunnerHoldsThePhaseTheOperatorLeavesItOutAndSoReleasesAnyShare() {
        assertThat(PhaseOwnership.decide(false, false, false, true)).isEqualTo(Write.LEAVE);
        // The runner's first write had the operator's value (Pending): both hold it; the operator lets go.
        assertThat(PhaseOwnership.decide(false, false, true, true)).isEqualTo(Write.LEAVE);
    }

    @Test
    void aJobThatEndedWithoutTheRunnersResultIsTakenOverWithForce() {
        assertThat(PhaseOwnership.decide(true, true, false, true)).isEqualTo(Write.TAKE_OVER);
        // Even if the copy the operator decided on predates the runner's first write.
        assertThat(PhaseOwnership.decide(true, true, true, false)).isEqualTo(Write.TAKE_OVER);
    }

    @Test
    void aFailureTheOperatorRecordedStaysItsOwn() {
        // Failed is finished: the mapping no longer decides it, and the operator keeps applying what it wrote.
        assertThat(PhaseOwnership.decide(false, true, true, false)).isEqualTo(Write.KEEP);
    }
}
