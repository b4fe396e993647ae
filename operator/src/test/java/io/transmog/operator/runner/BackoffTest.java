package io.transmog.operator.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

class BackoffTest {

    @Test
    void theWaitForAnUnreachableDatabaseDoublesUpToFiveMinutes() {
        Backoff database = Runner.Options.defaults().databaseRetry();
        assertThat(IntStream.rangeClosed(1, 8).mapToObj(database::delay).map(Duration::toSeconds))
                .containsExactly(5L, 10L, 20L, 40L, 80L, 160L, 300L, 300L);
        assertThat(database.delay(10_000)).as("no overflow after days of retries")
                .isEqualTo(Runner.Options.MAX_DATABASE_RETRY);
    }

    @Test
    void aWaitThatWouldEndPastTheDeadlineMeansGiveUp() {
        Backoff backoff = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(5));
        assertThat(backoff.delayWithin(1, Duration.ofSeconds(1))).contains(Duration.ofMillis(500));
        assertThat(backoff.delayWithin(2, Duration.ofSeconds(1))).as("exactly at the deadline still waits")
                .contains(Duration.ofSeconds(1));
        assertThat(backoff.delayWithin(3, Duration.ofSeconds(1))).isEmpty();
        assertThat(backoff.delayWithin(1, Duration.ofNanos(-1))).as("deadline already passed").isEmpty();
        assertThat(backoff.delayWithin(50, Duration.ofMinutes(1))).contains(Duration.ofSeconds(5));
    }
}
