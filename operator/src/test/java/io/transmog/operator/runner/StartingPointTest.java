package io.transmog.operator.runner;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.transmog.operator.model.Phase;
import io.transmog.operator.model.Progress;
import io.transmog.operator.model.SchemaMigration;
import io.transmog.operator.model.SchemaMigrationStatus;

class StartingPointTest {

    @Test
    void aMissingResourceOrAFinishedOneLeavesNothingToDo() {
        assertThat(StartingPoint.of(null)).isEqualTo(StartingPoint.NOT_FOUND);
        for (Phase finished : new Phase[] { Phase.Succeeded, Phase.Failed, Phase.Cancelled, Phase.Validated }) {
            assertThat(StartingPoint.of(recorded(finished, false, true))).as(finished.name())
                    .isEqualTo(StartingPoint.ALREADY_FINISHED);
        }
    }

    @Test
    void aResourceNoRunnerGotFarWithIsMigratedFromTheStartOrCancelledWithNothingChanged() {
        assertThat(StartingPoint.of(MigrationSettingsTest.migration())).isEqualTo(StartingPoint.FIRST_RUN);
        assertThat(StartingPoint.of(recorded(Phase.Pending, false, false))).isEqualTo(StartingPoint.FIRST_RUN);
        assertThat(StartingPoint.of(recorded(Phase.Paused, false, false))).as("paused before it started")
                .isEqualTo(StartingPoint.FIRST_RUN);
        assertThat(StartingPoint.of(recorded(Phase.Pending, false, true)))
                .isEqualTo(StartingPoint.DELETED_BEFORE_START);
    }

    @Test
    void anEarlierPodsProgressOrPhaseMeansResumeEvenWhenDeletedSoThatItCleansUp() {
        assertThat(StartingPoint.of(recorded(Phase.Copying, false, false))).isEqualTo(StartingPoint.RESUME);
        assertThat(StartingPoint.of(recorded(Phase.Pending, true, false))).as("waiting for its database again")
                .isEqualTo(StartingPoint.RESUME);
        assertThat(StartingPoint.of(recorded(Phase.Paused, true, false))).isEqualTo(StartingPoint.RESUME);
        assertThat(StartingPoint.of(recorded(Phase.CuttingOver, false, true))).isEqualTo(StartingPoint.RESUME);
    }

    private static SchemaMigration recorded(Phase phase, boolean progress, boolean deleted) {
        SchemaMigration m = MigrationSettingsTest.migration();
        SchemaMigrationStatus status = new SchemaMigrationStatus();
        status.setPhase(phase);
        if (progress) {
            status.setProgress(new Progress());
        }
        m.setStatus(status);
        if (deleted) {
            m.getMetadata().setDeletionTimestamp("2026-01-01T00:00:00Z");
        }
        return m;
    }
}
