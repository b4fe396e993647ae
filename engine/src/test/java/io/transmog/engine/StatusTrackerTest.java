package io.transmog.engine;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class StatusTrackerTest {
    @Test
    void aResumedRunReportsTheCheckpointsProgressAndOnlyItsOwnRate() throws InterruptedException {
        StatusTracker status = new StatusTracker("t");
        status.rowsEstimated(2_000_000);
        status.resumedFrom(1_000_000, 7);
        MigrationStatus first = status.snapshot();
        assertThat(first.rowsCopied()).as("progress before the first chunk of this run").isEqualTo(1_000_000);
        assertThat(first.eventsApplied()).isEqualTo(7);
        assertThat(first.percent()).isEqualTo(50.0);
        assertThat(first.rowsPerSecond()).isZero();

        status.phase(Phase.Copying, "copying");
        Thread.sleep(50);
        status.rowsCopied(1_000_100);
        MigrationStatus copying = status.snapshot();
        assertThat(copying.rowsCopied()).isEqualTo(1_000_100);
        // 100 rows in at least 50 ms: at most 2,000 rows/s, not the checkpoint's million over that time.
        assertThat(copying.rowsPerSecond()).isPositive().isLessThanOrEqualTo(2_000);
        assertThat(copying.etaSeconds()).as("the rest at this run's rate").isGreaterThan(400);
    }
}
