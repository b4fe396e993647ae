package io.transmog.operator.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.transmog.engine.sql.TableNames;

class DatabaseRetryTest {

    private static final String LOST = "Communications link failure";
    private final DatabaseRetry retry = new DatabaseRetry(new Backoff(Duration.ofSeconds(5), Duration.ofMinutes(5)),
            TableNames.of("shop", "customers"));

    @Test
    void aRunThatDidNotLoseTheDatabaseIsTheMigrationsEnd() {
        assertThat(retry.afterRun(1, false, "Succeeded", false, Optional.empty()))
                .isEqualTo(new DatabaseRetry.RecordEnd());
        assertThat(retry.afterRun(1, false, "cancelled", false, Optional.of("the SchemaMigration is being deleted")))
                .as("the engine cancelled and cleaned up itself").isEqualTo(new DatabaseRetry.RecordEnd());
    }

    @Test
    void aLostDatabaseIsRetriedWithAWaitThatDoublesAndSaysWhen() {
        assertThat(retry.afterRun(1, true, LOST, false, Optional.empty())).isEqualTo(new DatabaseRetry.Retry(
                Duration.ofSeconds(5), "the database cannot be reached: " + LOST + "; attempt 2 in 5 s"));
        assertThat(retry.afterRun(3, true, LOST, false, Optional.empty())).isEqualTo(new DatabaseRetry.Retry(
                Duration.ofSeconds(20), "the database cannot be reached: " + LOST + "; attempt 4 in 20 s"));
    }

    @Test
    void aPodThatIsStoppingLeavesTheRetryToTheJobsNextPod() {
        assertThat(retry.afterRun(2, true, LOST, true, Optional.empty())).isEqualTo(new DatabaseRetry.RecordEnd());
    }

    @Test
    void aDeletionWhileTheDatabaseIsAwayIsCancelledAndSaysWhatMayBeLeft() {
        DatabaseRetry.Next next = retry.afterRun(2, true, LOST, false,
                Optional.of("the SchemaMigration is being deleted"));
        assertThat(next).isInstanceOf(DatabaseRetry.RecordCancelled.class);
        assertThat(((DatabaseRetry.RecordCancelled) next).message())
                .startsWith("cancelled: the SchemaMigration is being deleted, while the database could not be reached")
                .contains(LOST)
                .contains(TableNames.of("shop", "customers").qualifiedGhost())
                .contains(TableNames.of("shop", "customers").qualifiedChangelog())
                .endsWith("drop them by hand; the original is untouched");
    }
}
