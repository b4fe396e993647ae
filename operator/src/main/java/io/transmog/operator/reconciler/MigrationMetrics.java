package io.transmog.operator.reconciler;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.transmog.operator.model.Phase;

/**
 * Prometheus metrics: {@code transmog_migrations{phase}} (resources currently in each phase, as last seen by
 * the operator) and {@code transmog_migration_phase_transitions_total{phase}} and
 * {@code transmog_runner_jobs_created_total}.
 */
@ApplicationScoped
public class MigrationMetrics {

    private final Map<String, Phase> phases = new ConcurrentHashMap<>();
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

    /** Records the phase of a resource (key: namespace/name); counts a transition when it changed. */
    public void observe(String key, Phase phase) {
        Phase before = phases.put(key, phase);
        if (before != phase) {
            Counter.builder("transmog.migration.phase.transitions")
                    .description("Phase changes seen by the operator")
                    .tag("phase", phase.name())
                    .register(registry)
                    .increment();
        }
    }

    public void forget(String key) {
        phases.remove(key);
    }

    public void jobCreated() {
        jobsCreated.increment();
    }
}
