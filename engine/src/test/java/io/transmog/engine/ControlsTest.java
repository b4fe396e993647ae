package io.transmog.engine;

import io.transmog.engine.throttle.LoadThresholds;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ControlsTest {
    private final Controls controls = new Controls(1000, 0, 1500, LoadThresholds.none(), LoadThresholds.none());

    @Test
    void theCopyRestsTheNiceRatioTimesEachChunkEvenUnderAMillisecond() {
        controls.setNiceRatio(5);
        // A 10-row chunk of a narrow table: 0.4 ms on a quiet server, which whole milliseconds rounded to no rest.
        assertThat(controls.niceRestNanos(400_000)).isEqualTo(2_000_000);
        assertThat(controls.niceRestNanos(12_300_000)).isEqualTo(61_500_000);
        controls.setNiceRatio(0.5);
        assertThat(controls.niceRestNanos(900_000)).isEqualTo(450_000);
    }

    @Test
    void withoutANiceRatioTheCopyNeverRests() {
        assertThat(controls.niceRestNanos(400_000)).isZero();
        assertThat(controls.niceRestNanos(5_000_000_000L)).isZero();
    }
}
