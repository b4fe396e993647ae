package io.transmog.operator.reconciler;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.transmog.operator.model.Phase;
import io.transmog.operator.model.Progress;
import io.transmog.operator.model.SchemaMigration;

/**
 * Prometheus metrics of the operator:
 * <ul>
 * <li>{@code transmog_migrations{phase}}: resources currently in each phase, as last seen by the operator;
 * {@code transmog_migration_phase_transitions_total{phase}}; {@code transmog_runner_jobs_created_total};</li>
 * <li>per migration ({@code namespace}, {@code name}, {@code table}), the progress its runner last wrote in the
 * status: {@code transmog_migration_status_rows_copied}, {@code transmog_migration_status_rows_per_second},
 * {@code transmog_migration_status_lag_seconds}, {@code transmog_migration_status_throttled} (0/1). They appear
 * with the first progress report and go when the resource is deleted; a value the runner did not report is NaN.
 * Named apart from the runner's own series (RunnerMetrics), which say the same from inside the pod, so that
 * the two never add up in one query.</li>
 * </ul>
 */
@ApplicationScoped
public class MigrationMetrics {

    private final Map<String, Phase> phases = new ConcurrentHashMap<>();
    private final Map<String, Progress> progress = new ConcurrentHashMap<>();
    private final Map<String, List<Meter>> progressGauges = new ConcurrentHashMap<>();
    private final MeterRegistry registry;
    private final Counter jobsCreated;

    public MigrationMetrics(MeterRegistry registry) {
        this.registry = registry;
        for (Phase phase : Phase.values()) {
            Gauge.builder("transmog.migrations", phases, m -> m.values().stream().filter(p -> p == phase).count())
                    .description("SchemaMigrations by phase")
                    .tag("phase", phase.name())
                    .register(registry);
        }
        this.jobsCreated = Counter.builder("transmog.runner.jobs.created")
                .description("Runner Jobs created by the operator")
                .register(registry);
    }

    /**
     * Records the phase of a resource (counting a transition when it changed) and the progress in its status.
     */
    public void observe(SchemaMigration migration, Phase phase) {
        String key = key(migration);
        Phase before = phases.put(key, phase);
        if (before != phase) {
            Counter.builder("transmog.migration.phase.transitions")
                    .description("Phase changes seen by the operator")
                    .tag("phase", phase.name())
                    .register(registry)
                    .increment();
        }
        Progress reported = migration.getStatus() == null ? null : migration.getStatus().getProgress();
        if (reported != null) {
            progress.put(key, reported);
            progressGauges.computeIfAbsent(key, k -> registerProgressGauges(k, migration));
        }
    }

    /** The resource is gone: so are its series. */
    public void forget(SchemaMigration migration) {
        String key = key(migration);
        phases.remove(key);
        progress.remove(key);
        List<Meter> gauges = progressGauges.remove(key);
        if (gauges != null) {
            gauges.forEach(registry::remove);
        }
    }

    public void jobCreated() {
        jobsCreated.increment();
    }

    private List<Meter> registerProgressGauges(String key, SchemaMigration migration) {
        String table = migration.getSpec() == null || migration.getSpec().getTable() == null ? ""
                : migration.getSpec().getTable();
        Tags tags = Tags.of("namespace", migration.getMetadata().getNamespace(),
                "name", migration.getMetadata().getName(), "table", table);
        return List.of(
                progressGauge(key, tags, "transmog.migration.status.rows.copied", null,
                        "Rows copied into the ghost table, as last reported in the status", Progress::getRowsCopied),
                progressGauge(key, tags, "transmog.migration.status.rows.per.second", null,
                        "Copy rate, as last reported in the status", Progress::getRowsPerSecond),
                progressGauge(key, tags, "transmog.migration.status.lag", "seconds",
                        "Binlog applier lag, as last reported in the status",
                        p -> p.getLagMillis() == null ? null : p.getLagMillis() / 1000.0),
                progressGauge(key, tags, "transmog.migration.status.throttled", null,
                        "1 while the copy is throttled (paused included), as last reported in the status",
                        p -> p.getThrottled() == null ? null : p.getThrottled() ? 1 : 0));
    }

    private Gauge progressGauge(String key, Tags tags, String name, String baseUnit, String description,
            Function<Progress, Number> field) {
        return Gauge.builder(name, progress, reports -> {
            Progress p = reports.get(key);
            Number value = p == null ? null : field.apply(p);
            return value == null ? Double.NaN : value.doubleValue();
        })
                .tags(tags)
                .baseUnit(baseUnit)
                .description(description)
                .register(registry);
    }

    private static String key(SchemaMigration migration) {
        return migration.getMetadata().getNamespace() + "/" + migration.getMetadata().getName();
    }
}
