package io.transmog.engine.cli;

import io.transmog.engine.Controls;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/** --chunk-time-millis is checked before anything connects; the copy's use of it runs against servers (RowCopierIT). */
class ChunkTimeOptionTest {

    @Test
    void aChunkSizeGivenAloneFixesTheSizeOtherwiseChunksAreSizedByTime() {
        assertThat(Controls.initialChunkTimeMillis(null, false)).isEqualTo(Controls.DEFAULT_CHUNK_TIME_MILLIS);
        assertThat(Controls.initialChunkTimeMillis(null, true)).as("--chunk-size alone, as in gh-ost").isZero();
        assertThat(Controls.initialChunkTimeMillis(200, true)).as("both: from that size, by that time").isEqualTo(200);
        assertThat(Controls.initialChunkTimeMillis(0, false)).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "10001"})
    void aTimeOutsideZeroToTenSecondsIsABadUsage(String millis) {
        CliRun result = CliRun.migrate("--chunk-time-millis", millis);
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("chunk time must be between 0 (fixed chunk size) and 10000 ms, got " + millis);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "10000"})
    void aTimeInRangeGetsAsFarAsConnecting(String millis) {
        CliRun result = CliRun.migrate("--chunk-time-millis", millis, "--chunk-size", "500");
        assertThat(result.err()).doesNotContain("chunk time", "chunk size");
        assertThat(result.exitCode()).isEqualTo(1);
    }
}
