package io.transmog.operator.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import io.transmog.engine.throttle.LoadThresholds;
import io.transmog.operator.model.SchemaMigration;

class LiveSettingsTest {

    private final SchemaMigration migration = MigrationSettingsTest.migration();

    @Test
    void aChangedFieldIsAppliedOnceAndReportedOnce() throws Exception {
        LiveSettings live = settings();
        assertThat(live.follow(migration)).as("the spec the controls were built from").isFalse();

        migration.getSpec().setPaused(true);
        migration.getSpec().getThrottle().setChunkSize(2000);
        assertThat(live.follow(migration)).isTrue();
        assertThat(live.controls().paused()).isTrue();
        assertThat(live.controls().chunkSize()).isEqualTo(2000);
        assertThat(live.follow(migration)).as("the same resource again: the status thread's re-apply").isFalse();
    }

    @Test
    void aRefusedValueKeepsThePreviousOneAndIsNotedUntilFixed() throws Exception {
        LiveSettings live = settings();
        migration.getSpec().getThrottle().setMaxLoad("Threads_running=oops");

        assertThat(live.follow(migration)).isTrue();
        assertThat(live.controls().maxLoad()).isEqualTo(LoadThresholds.parse("maxLoad", null));
        assertThat(live.refused()).hasValueSatisfying(note -> assertThat(note).startsWith("ignored: ")
                .contains("maxLoad").endsWith("the previous values stay in effect"));
        assertThat(live.follow(migration)).as("still refused: nothing new to report").isFalse();

        migration.getSpec().getThrottle().setMaxLoad("Threads_running=50");
        assertThat(live.follow(migration)).isTrue();
        assertThat(live.refused()).isEmpty();
        assertThat(live.controls().maxLoad()).isEqualTo(LoadThresholds.parse("maxLoad", "Threads_running=50"));
    }

    @Test
    void aDeletionCancelsOnceWithTheFirstReason() throws Exception {
        LiveSettings live = settings();
        assertThat(live.cancelRequested()).isFalse();

        migration.getMetadata().setDeletionTimestamp("2026-01-01T00:00:00Z");
        assertThat(live.follow(migration)).isTrue();
        assertThat(live.cancelRequested()).isTrue();
        assertThat(live.controls().cancelReason()).isEqualTo("the SchemaMigration is being deleted");

        assertThat(live.follow(migration)).isFalse();
        assertThat(live.cancel("the SchemaMigration was deleted")).isFalse();
        assertThat(live.controls().cancelReason()).isEqualTo("the SchemaMigration is being deleted");
    }

    @Test
    void threadsRacingToCancelCancelOnce() throws Exception {
        LiveSettings live = settings();
        int threads = 8;
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Boolean>> firsts = IntStream.range(0, threads).mapToObj(i -> pool.submit(() -> {
                go.await();
                return live.cancel("reason " + i);
            })).toList();
            go.countDown();
            long winners = 0;
            for (Future<Boolean> first : firsts) {
                winners += first.get() ? 1 : 0;
            }
            assertThat(winners).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void theNoteListsEveryRefusedValue() {
        assertThat(LiveSettings.refusedNote(new MigrationSettings.Changes(List.of("spec.paused=true"), List.of())))
                .isEmpty();
        assertThat(LiveSettings.refusedNote(new MigrationSettings.Changes(List.of(),
                List.of("spec.throttle.chunkSize: too small", "spec.throttle.maxLoad: oops"))))
                .contains("ignored: spec.throttle.chunkSize: too small; spec.throttle.maxLoad: oops; the previous "
                        + "values stay in effect");
    }

    private LiveSettings settings() throws Exception {
        return new LiveSettings(MigrationSettings.controls(migration.getSpec()), "shop/m", Redactor.none());
    }
}
