package io.transmog.operator.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

class RunnerOptionsTest {

    @Test
    void theWaitForAnUnreachableDatabaseDoublesUpToFiveMinutes() {
        Runner.Options options = Runner.Options.defaults();
        assertThat(IntStream.rangeClosed(1, 8).mapToObj(options::databaseRetryDelay).map(Duration::toSeconds))
                .containsExactly(5L, 10L, 20L, 40L, 80L, 160L, 300L, 300L);
        assertThat(options.databaseRetryDelay(10_000)).as("no overflow after days of retries")
                .isEqualTo(Runner.MAX_DATABASE_RETRY);
    }
}
