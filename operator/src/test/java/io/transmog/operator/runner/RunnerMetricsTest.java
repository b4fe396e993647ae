package io.transmog.operator.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.transmog.engine.MigrationStatus;
import io.transmog.engine.Phase;
import io.transmog.operator.reconciler.RunnerJobs;

class RunnerMetricsTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final Map<String, String> TAGS = Map.of("namespace", "shop", "name", "add-nickname",
            "table", "customers");

    private final AtomicReference<MigrationStatus> snapshot = new AtomicReference<>();
    private Optional<RunnerMetrics> metrics = Optional.empty();

    @AfterEach
    void close() {
        metrics.ifPresent(RunnerMetrics::close);
    }

    @Test
    void servesTheMigrationAsTheEngineSeesItAtEachScrape() throws Exception {
        snapshot.set(status(Phase.Copying, 4_200, 10_000, 42.0, 12L, 350.5, 17, 1_500, 250, "max-lag=1500ms", 0));
        RunnerMetrics endpoint = serve(Map.of(RunnerJobs.ENV_METRICS_PORT, "0",
                RunnerJobs.ENV_METRICS_TABLE, "customers"));

        HttpResponse<String> response = get(endpoint.port(), RunnerJobs.METRICS_PATH);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/plain; version=0.0.4"));
        Exposition scrape = new Exposition(response.body());
        assertThat(scrape.value("transmog_migration_rows_copied", TAGS)).isEqualTo(4_200);
        assertThat(scrape.value("transmog_migration_rows_estimated", TAGS)).isEqualTo(10_000);
        assertThat(scrape.value("transmog_migration_rows_per_second", TAGS)).isEqualTo(350.5);
        assertThat(scrape.value("transmog_migration_progress_ratio", TAGS)).isEqualTo(0.42);
        assertThat(scrape.value("transmog_migration_eta_seconds", TAGS)).isEqualTo(12);
        assertThat(scrape.value("transmog_migration_events_applied", TAGS)).isEqualTo(17);
        assertThat(scrape.value("transmog_migration_lag_seconds", TAGS)).isEqualTo(1.5);
        assertThat(scrape.value("transmog_migration_replica_lag_seconds", TAGS)).isEqualTo(0.25);
        assertThat(scrape.value("transmog_migration_throttled", TAGS)).isEqualTo(1);
        assertThat(scrape.value("transmog_migration_cut_over_attempts", TAGS)).isEqualTo(0);
        for (Phase phase : Phase.values()) {
            assertThat(scrape.value("transmog_migration_phase", with("phase", phase.name())))
                    .as(phase.name()).isEqualTo(phase == Phase.Copying ? 1 : 0);
        }
        assertThat(scrape.names()).as("JVM memory and GC, for the runner's peak heap")
                .contains("jvm_memory_used_bytes", "jvm_memory_max_bytes");
        assertThat(scrape.text()).as("no throttle reason: free text does not belong in labels")
                .doesNotContain("max-lag=");

        snapshot.set(status(Phase.CuttingOver, 10_000, 10_000, 100.0, 0L, 400.0, 30, 0, 0, null, 2));
        Exposition later = new Exposition(get(endpoint.port(), RunnerJobs.METRICS_PATH).body());
        assertThat(later.value("transmog_migration_rows_copied", TAGS)).isEqualTo(10_000);
        assertThat(later.value("transmog_migration_throttled", TAGS)).isEqualTo(0);
        assertThat(later.value("transmog_migration_cut_over_attempts", TAGS)).isEqualTo(2);
        assertThat(later.value("transmog_migration_phase", with("phase", "Copying"))).isEqualTo(0);
        assertThat(later.value("transmog_migration_phase", with("phase", "CuttingOver"))).isEqualTo(1);
    }

    @Test
    void beforeTheMigrationStartedItServesNoMigrationSeriesYet() throws Exception {
        RunnerMetrics endpoint = serve(Map.of(RunnerJobs.ENV_METRICS_PORT, "0"));

        HttpResponse<String> response = get(endpoint.port(), RunnerJobs.METRICS_PATH);
        assertThat(response.statusCode()).isEqualTo(200);
        Exposition scrape = new Exposition(response.body());
        assertThat(scrape.names()).contains("jvm_memory_used_bytes")
                .noneMatch(name -> name.startsWith("transmog_"));

        snapshot.set(status(Phase.Validating, 0, 0, 0.0, null, 0.0, 0, 0, 0, null, 0));
        Exposition started = new Exposition(get(endpoint.port(), RunnerJobs.METRICS_PATH).body());
        Map<String, String> untabled = Map.of("namespace", "shop", "name", "add-nickname");
        assertThat(started.value("transmog_migration_phase", Map.of("phase", "Validating"))).isEqualTo(1);
        assertThat(started.value("transmog_migration_rows_copied", untabled)).isZero();
        assertThat(started.value("transmog_migration_eta_seconds", untabled)).as("unknown yet").isNaN();
        assertThat(started.labelsOf("transmog_migration_rows_copied"))
                .as("no table tag when the Job did not name it").doesNotContainKey("table");
    }

    @Test
    void answersOnlyGetOnItsPath() throws Exception {
        RunnerMetrics endpoint = serve(Map.of(RunnerJobs.ENV_METRICS_PORT, "0"));
        assertThat(get(endpoint.port(), "/").statusCode()).isEqualTo(404);
        assertThat(get(endpoint.port(), "/metrics/other").statusCode()).isEqualTo(404);
        HttpResponse<String> post = HTTP.send(HttpRequest.newBuilder(uri(endpoint.port(), RunnerJobs.METRICS_PATH))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
    }

    @Test
    void withoutAPortThereIsNoEndpoint() {
        assertThat(RunnerMetrics.serve(Map.of(), "shop", "m", snapshot::get)).isEmpty();
        assertThat(serveOn("")).isEmpty();
        assertThat(serveOn(" ")).isEmpty();
    }

    @Test
    void aBusyPortOrAnInvalidOneCostsOneWarningEachAndNothingElse() throws Exception {
        try (ServerSocket taken = new ServerSocket(0); Warnings warnings = Warnings.capture()) {
            String port = String.valueOf(taken.getLocalPort());
            assertThat(serveOn(port)).isEmpty();
            assertThat(warnings.messages()).singleElement().asString()
                    .contains("no metrics endpoint").contains(port).contains("goes on without");

            assertThat(serveOn("http")).isEmpty();
            assertThat(serveOn("70000")).isEmpty();
            assertThat(warnings.messages()).hasSize(3).last().asString().contains("not a port number");
        }
    }

    @Test
    void closingFreesThePortAndItsThreadNeverKeepsTheJvmAlive() throws Exception {
        RunnerMetrics endpoint = serve(Map.of(RunnerJobs.ENV_METRICS_PORT, "0"));
        int port = endpoint.port();
        assertThat(Thread.getAllStackTraces().keySet()).filteredOn(t -> t.getName().equals("HTTP-Dispatcher"))
                .isNotEmpty().allMatch(Thread::isDaemon);

        endpoint.close();
        metrics = Optional.empty();
        assertThatThrownBy(() -> get(port, RunnerJobs.METRICS_PATH)).isInstanceOf(ConnectException.class);
        try (ServerSocket again = new ServerSocket(port)) {
            assertThat(again.getLocalPort()).isEqualTo(port);
        }
    }

    // ---- helpers ----

    private Optional<RunnerMetrics> serveOn(String port) {
        return RunnerMetrics.serve(Map.of(RunnerJobs.ENV_METRICS_PORT, port), "shop", "m", snapshot::get);
    }

    private RunnerMetrics serve(Map<String, String> env) {
        metrics = RunnerMetrics.serve(env, "shop", "add-nickname", snapshot::get);
        assertThat(metrics).isPresent();
        return metrics.get();
    }

    private static MigrationStatus status(Phase phase, long copied, long estimated, double percent, Long eta,
            double rate, long events, long lagMillis, long replicaLagMillis, String throttleReason, int attempts) {
        return new MigrationStatus(phase, phase.name(), copied, estimated, percent, eta, rate, events, lagMillis,
                replicaLagMillis, throttleReason != null, throttleReason, attempts, null, null, null);
    }

    private static Map<String, String> with(String key, String value) {
        Map<String, String> tags = new HashMap<>(TAGS);
        tags.put(key, value);
        return tags;
    }

    private static URI uri(int port, String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(uri(port, path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The samples of a Prometheus text exposition. */
    private record Exposition(String text) {

        private record Sample(String name, Map<String, String> labels, double value) {
        }

        List<Sample> samples() {
            return text.lines().filter(line -> !line.isBlank() && !line.startsWith("#")).map(Exposition::parse)
                    .toList();
        }

        List<String> names() {
            return samples().stream().map(Sample::name).distinct().toList();
        }

        /** The value of the one sample of {@code name} whose labels include {@code labels}. */
        double value(String name, Map<String, String> labels) {
            List<Sample> matching = samples().stream()
                    .filter(s -> s.name().equals(name) && s.labels().entrySet().containsAll(labels.entrySet()))
                    .toList();
            assertThat(matching).as(name + labels + " in\n" + text).hasSize(1);
            return matching.get(0).value();
        }

        Map<String, String> labelsOf(String name) {
            return samples().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow().labels();
        }

        /** {@code name{k="v",...} value}; label values here never hold quotes, commas or braces. */
        private static Sample parse(String line) {
            int space = line.lastIndexOf(' ');
            String series = line.substring(0, space);
            double value = Double.parseDouble(line.substring(space + 1));
            int brace = series.indexOf('{');
            if (brace < 0) {
                return new Sample(series, Map.of(), value);
            }
            Map<String, String> labels = new HashMap<>();
            for (String pair : series.substring(brace + 1, series.length() - 1).split(",")) {
                if (!pair.isEmpty()) {
                    int eq = pair.indexOf('=');
                    labels.put(pair.substring(0, eq), pair.substring(eq + 2, pair.length() - 1));
                }
            }
            return new Sample(series.substring(0, brace), labels, value);
        }
    }

    /** Warnings of RunnerMetrics' logger while open. */
    private static final class Warnings extends Handler implements AutoCloseable {
        private final Logger logger = Logger.getLogger(RunnerMetrics.class.getName());
        private final List<String> messages = new CopyOnWriteArrayList<>();

        static Warnings capture() {
            Warnings warnings = new Warnings();
            warnings.logger.addHandler(warnings);
            return warnings;
        }

        @Override
        public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                messages.add(record instanceof ExtLogRecord ext ? ext.getFormattedMessage()
                        : record.getMessage());
            }
        }

        List<String> messages() {
            return List.copyOf(messages);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
            logger.removeHandler(this);
        }
    }
}
