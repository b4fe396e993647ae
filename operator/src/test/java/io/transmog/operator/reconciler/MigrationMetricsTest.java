package io.transmog.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.search.Search;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.transmog.operator.model.Phase;
import io.transmog.operator.model.Progress;
import io.transmog.operator.model.SchemaMigration;
import io.transmog.operator.model.SchemaMigrationStatus;

// The registry Quarkus serves on /q/metrics: the exposition names below are the ones users see.
@SuppressWarnings("deprecation")
class MigrationMetricsTest {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final MigrationMetrics metrics = new MigrationMetrics(registry);

    @Test
    void eachMigrationsReportedProgressIsExportedUntilTheResourceIsDeleted() {
        SchemaMigration copying = reporting(Fixtures.migration("shop", "add-nickname", "mysql", "shop", "customers"),
                progress(4_200L, 350.5, 1_500L, true));
        metrics.observe(copying, Phase.Copying);

        String scrape = registry.scrape();
        String tags = "{name=\"add-nickname\",namespace=\"shop\",table=\"customers\",}";
        assertThat(scrape).contains(
                "transmog_migration_status_rows_copied" + tags + " 4200.0",
                "transmog_migration_status_rows_per_second" + tags + " 350.5",
                "transmog_migration_status_lag_seconds" + tags + " 1.5",
                "transmog_migration_status_throttled" + tags + " 1.0",
                "transmog_migrations{phase=\"Copying\",} 1.0");

        metrics.observe(reporting(copying, progress(9_000L, 400.0, 0L, false)), Phase.Copying);
        assertThat(gauge("transmog.migration.status.rows.copied", "add-nickname").gauges()).singleElement()
                .satisfies(g -> assertThat(g.value()).isEqualTo(9_000));
        assertThat(gauge("transmog.migration.status.throttled", "add-nickname").gauge().value()).isZero();
        assertThat(gauge("transmog.migration.status.lag", "add-nickname").gauge().value()).isZero();

        metrics.forget(copying);
        assertThat(registry.scrape()).doesNotContain("name=\"add-nickname\"")
                .contains("transmog_migrations{phase=\"Copying\",} 0.0");
    }

    @Test
    void aMigrationWithoutProgressHasNoSeriesAndAnUnreportedValueIsNaN() {
        SchemaMigration pending = Fixtures.migration("shop", "waiting", "mysql", "shop", "orders");
        metrics.observe(pending, Phase.Pending);
        assertThat(registry.scrape()).doesNotContain("name=\"waiting\"")
                .contains("transmog_migrations{phase=\"Pending\",} 1.0");

        metrics.observe(reporting(pending, progress(0L, null, null, null)), Phase.Validating);
        assertThat(gauge("transmog.migration.status.rows.copied", "waiting").gauge().value()).isZero();
        assertThat(gauge("transmog.migration.status.lag", "waiting").gauge().value()).isNaN();
        assertThat(gauge("transmog.migration.status.throttled", "waiting").gauge().value()).isNaN();
    }

    @Test
    void aTransitionIsCountedOncePerPhaseChange() {
        SchemaMigration m = Fixtures.migration("shop", "m", "mysql", "shop", "t");
        metrics.observe(m, Phase.Copying);
        metrics.observe(m, Phase.Copying);
        metrics.observe(m, Phase.Succeeded);
        assertThat(registry.get("transmog.migration.phase.transitions").tag("phase", "Copying").counter().count())
                .isEqualTo(1);
        assertThat(registry.get("transmog.migration.phase.transitions").tag("phase", "Succeeded").counter().count())
                .isEqualTo(1);
    }

    private Search gauge(String name, String migration) {
        return registry.find(name).tag("name", migration);
    }

    private static SchemaMigration reporting(SchemaMigration migration, Progress progress) {
        SchemaMigrationStatus status = new SchemaMigrationStatus();
        status.setProgress(progress);
        migration.setStatus(status);
        return migration;
    }

    private static Progress progress(Long rowsCopied, Double rowsPerSecond, Long lagMillis, Boolean throttled) {
        Progress progress = new Progress();
        progress.setRowsCopied(rowsCopied);
        progress.setRowsPerSecond(rowsPerSecond);
        progress.setLagMillis(lagMillis);
        progress.setThrottled(throttled);
        return progress;
    }
}
