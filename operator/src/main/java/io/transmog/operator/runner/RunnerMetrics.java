package io.transmog.operator.runner;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

import org.jboss.logging.Logger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.prometheus.client.exporter.common.TextFormat;
import io.transmog.engine.MigrationStatus;
import io.transmog.engine.Phase;
import io.transmog.operator.reconciler.RunnerJobs;

/**
 * The runner's Prometheus endpoint, {@code GET /metrics} on the port named by
 * {@value RunnerJobs#ENV_METRICS_PORT}: the migration as the engine sees it at the moment of the scrape, plus JVM
 * memory and GC (peak heap is what sizes the runner's memory limit). Every series carries {@code namespace} and
 * {@code name} of the SchemaMigration, and {@code table} when {@value RunnerJobs#ENV_METRICS_TABLE} names it (the
 * runner Job sets both variables).
 * <p>
 * The migration's series appear with its first snapshot (before that there is nothing to report, and an absent
 * series says so better than a made-up zero): {@code transmog_migration_rows_copied},
 * {@code transmog_migration_rows_estimated}, {@code transmog_migration_rows_per_second},
 * {@code transmog_migration_progress_ratio} (0 to 1), {@code transmog_migration_eta_seconds},
 * {@code transmog_migration_events_applied}, {@code transmog_migration_lag_seconds} (binlog stream),
 * {@code transmog_migration_replica_lag_seconds}, {@code transmog_migration_throttled} (0/1),
 * {@code transmog_migration_cut_over_attempts} and {@code transmog_migration_phase{phase}} (1 for the current
 * phase, 0 for the others).
 * <p>
 * Metrics are never a reason for a migration to fail: without the variable nothing listens, and a port that cannot
 * be used costs one warning, after which the runner goes on without an endpoint.
 */
// Quarkus 3.15's Prometheus registry is Micrometer's simpleclient flavour, deprecated in favour of
// io.micrometer.prometheusmetrics; the runner uses the one Quarkus ships rather than a second Prometheus client.
@SuppressWarnings("deprecation")
public final class RunnerMetrics implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(RunnerMetrics.class);

    private final HttpServer server;
    private final Supplier<MigrationStatus> snapshots;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    /** The snapshot of the scrape in progress: all series of one scrape show the same moment. */
    private MigrationStatus scraped;
    private boolean migrationSeriesRegistered;

    private RunnerMetrics(HttpServer server, Tags tags, Supplier<MigrationStatus> snapshots) {
        this.server = server;
        this.snapshots = snapshots;
        registry.config().commonTags(tags);
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
    }

    /**
     * Serves the metrics of one runner if {@code env} asks for it.
     *
     * @param snapshots the engine's latest snapshot, or null before the migration started ({@link Runner#snapshot})
     * @return the running endpoint (close it when the runner ends), or empty when there is none
     */
    public static Optional<RunnerMetrics> serve(Map<String, String> env, String namespace, String name,
            Supplier<MigrationStatus> snapshots) {
        String value = env.get(RunnerJobs.ENV_METRICS_PORT);
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        int port;
        try {
            port = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0 || port > 65_535) {
            LOG.warnf("%s=\"%s\" is not a port number: no metrics endpoint; the migration goes on without",
                    RunnerJobs.ENV_METRICS_PORT, value);
            return Optional.empty();
        }
        HttpServer server;
        try {
            // The wildcard address (0.0.0.0, and :: where the pod has IPv6): Prometheus scrapes the pod's IP.
            server = HttpServer.create(new InetSocketAddress(port), 0);
        } catch (IOException e) {
            LOG.warnf("no metrics endpoint: cannot listen on port %d (%s); the migration goes on without", port,
                    e.getMessage());
            return Optional.empty();
        }
        Tags tags = Tags.of("namespace", namespace, "name", name);
        String table = env.get(RunnerJobs.ENV_METRICS_TABLE);
        if (table != null && !table.isBlank()) {
            tags = tags.and("table", table);
        }
        RunnerMetrics metrics = new RunnerMetrics(server, tags, snapshots);
        metrics.start();
        LOG.infof("Prometheus metrics on port %d, path %s", metrics.port(), RunnerJobs.METRICS_PATH);
        return Optional.of(metrics);
    }

    private void start() {
        server.createContext(RunnerJobs.METRICS_PATH, this::handle);
        // With no executor the server handles requests on its one dispatcher thread, which inherits daemon status
        // from the thread that starts it: started from a daemon thread, the endpoint never keeps the JVM alive.
        Thread starter = DaemonThreads.start("transmog-metrics-start", server::start);
        try {
            starter.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The port the endpoint listens on (the system picks one when {@value RunnerJobs#ENV_METRICS_PORT} is 0). */
    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        gc.close();
        registry.close();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try {
            if (!RunnerJobs.METRICS_PATH.equals(exchange.getRequestURI().getPath())) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            if (!"GET".equals(exchange.getRequestMethod())) {
                exchange.getResponseHeaders().set("Allow", "GET");
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            byte[] body = scrape().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", TextFormat.CONTENT_TYPE_004);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        } finally {
            exchange.close();
        }
    }

    private synchronized String scrape() {
        scraped = snapshots.get();
        if (scraped != null && !migrationSeriesRegistered) {
            registerMigrationSeries();
            migrationSeriesRegistered = true;
        }
        return registry.scrape();
    }

    private void registerMigrationSeries() {
        gauge("transmog.migration.rows.copied", "Rows copied into the ghost table", MigrationStatus::rowsCopied)
                .register(registry);
        gauge("transmog.migration.rows.estimated", "Estimated rows of the table", MigrationStatus::rowsEstimated)
                .register(registry);
        gauge("transmog.migration.rows.per.second", "Copy rate since the copy started", MigrationStatus::rowsPerSecond)
                .register(registry);
        gauge("transmog.migration.progress", "Copy progress, 0 to 1", s -> s.percent() / 100)
                .baseUnit("ratio").register(registry);
        gauge("transmog.migration.eta", "Estimated time until the copy is done",
                s -> s.etaSeconds() == null ? Double.NaN : s.etaSeconds())
                .baseUnit("seconds").register(registry);
        gauge("transmog.migration.events.applied", "Binlog events applied to the ghost table",
                MigrationStatus::eventsApplied)
                .register(registry);
        gauge("transmog.migration.lag", "How far the binlog applier is behind the primary",
                s -> s.lagMillis() / 1000.0)
                .baseUnit("seconds").register(registry);
        gauge("transmog.migration.replica.lag", "Highest lag measured on the throttle-control replicas",
                s -> s.replicaLagMillis() / 1000.0)
                .baseUnit("seconds").register(registry);
        gauge("transmog.migration.throttled", "1 while the copy is throttled (paused included)",
                s -> s.throttled() ? 1 : 0)
                .register(registry);
        gauge("transmog.migration.cut.over.attempts", "Cut-over attempts so far", MigrationStatus::cutOverAttempts)
                .register(registry);
        for (Phase phase : Phase.values()) {
            gauge("transmog.migration.phase", "1 for the phase the migration is in", s -> s.phase() == phase ? 1 : 0)
                    .tag("phase", phase.name()).register(registry);
        }
    }

    private Gauge.Builder<RunnerMetrics> gauge(String name, String description,
            ToDoubleFunction<MigrationStatus> value) {
        // Strong: Micrometer would otherwise report NaN once nothing else held this object.
        return Gauge.builder(name, this, m -> m.scraped == null ? Double.NaN : value.applyAsDouble(m.scraped))
                .description(description)
                .strongReference(true);
    }
}
