package io.transmog.engine.cli;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/** --copy-threads is checked before anything connects; the integrity suites run the default (2) against servers. */
class CopyThreadsOptionTest {

    @ParameterizedTest
    @ValueSource(strings = {"0", "-1", "17"})
    void aCountOutsideOneToSixteenIsABadUsage(String threads) {
        CliRun result = CliRun.migrate("--copy-threads", threads);
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("copy threads must be between 1 and 16, got " + threads);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1", "16"})
    void aCountInRangeGetsAsFarAsConnecting(String threads) {
        CliRun result = CliRun.migrate("--copy-threads", threads);
        assertThat(result.err()).doesNotContain("copy threads");
        assertThat(result.exitCode()).isEqualTo(1);
    }
}
