package io.transmog.operator.runner;

import java.time.Duration;
import java.util.Optional;

/**
 * Pure: waits that double from {@code first} up to {@code max}. The runner's one backoff: reading its resource at
 * start, a database it cannot reach, the final status write.
 */
record Backoff(Duration first, Duration max) {

    /** The wait before new attempt number {@code retry} (1 for the first). */
    Duration delay(int retry) {
        // 2^16 times the first wait is beyond any max in use; the cap keeps days of retries from overflowing.
        Duration delay = first.multipliedBy(1L << Math.min(Math.max(retry, 1) - 1, 16));
        return delay.compareTo(max) > 0 ? max : delay;
    }

    /** The wait before new attempt number {@code retry}, or empty when that attempt would start after the deadline. */
    Optional<Duration> delayWithin(int retry, Duration left) {
        Duration delay = delay(retry);
        return delay.compareTo(left) > 0 ? Optional.empty() : Optional.of(delay);
    }
}
