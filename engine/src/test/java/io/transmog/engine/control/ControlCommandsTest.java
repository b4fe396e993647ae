package io.transmog.engine.control;

import io.transmog.engine.Controls;
import io.transmog.engine.MigrationStatus;
import io.transmog.engine.Phase;
import io.transmog.engine.throttle.LoadThresholds;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ControlCommandsTest {
    private Controls controls;
    private ControlCommands commands;
    @TempDir
    Path dir;
    private Path postponeFlag;

    @BeforeEach
    void setUp() {
        controls = new Controls(1000, 0, 1500, LoadThresholds.none(), LoadThresholds.none());
        postponeFlag = dir.resolve("postpone.flag");
        commands = new ControlCommands(controls, ControlCommandsTest::copying, "shop", "customers", postponeFlag);
    }

    static MigrationStatus copying() {
        return new MigrationStatus(Phase.Copying, "copying rows and applying changes", 2500, 10000, 25.0, 30L, 83.3,
                17, 120, 450, true, "replica 10.0.0.2:3306 lag 2.0s > 1.5s", 0, null, null, null);
    }

    @Test
    void chunkSizeIsSetAndReadBack() {
        String answer = commands.execute("chunk-size=500");
        assertThat(answer).contains("chunk-size: 500;").doesNotStartWith("error");
        assertThat(controls.chunkSize()).isEqualTo(500);
        assertThat(commands.execute("chunk-size=?")).isEqualTo("500\n");
        assertThat(commands.execute("  CHUNK-SIZE = 700 \r")).contains("chunk-size: 700;");
        assertThat(controls.chunkSize()).isEqualTo(700);
    }

    @Test
    void chunkTimeIsSetAndReadBackAndAChunkSizeEndsIt() {
        assertThat(commands.execute("chunk-time-millis=80")).contains("chunk-size: 1000; chunk-time-millis: 80;");
        assertThat(controls.chunkTimeMillis()).isEqualTo(80);
        assertThat(commands.execute("chunk-time-millis=?")).isEqualTo("80\n");
        assertThat(commands.execute("chunk-time-millis=-1")).startsWith("error: chunk time must be between 0 (fixed chunk size) and 10000 ms, got -1");
        assertThat(commands.execute("chunk-size=2000")).as("a chunk size asked for is every chunk's, as in gh-ost")
                .contains("chunk-size: 2000; chunk-time-millis: 0;");
        assertThat(controls.chunkTimeMillis()).isZero();
    }

    @Test
    void copyThreadsAreSetAndReadBackWithinOneToSixteen() {
        assertThat(commands.execute("copy-threads=4")).contains("copy-threads: 4;").doesNotStartWith("error");
        assertThat(controls.copyThreads()).isEqualTo(4);
        assertThat(commands.execute("copy-threads=?")).isEqualTo("4\n");
        assertThat(commands.execute("copy-threads=17")).startsWith("error: copy threads must be between 1 and 16, got 17");
        assertThat(commands.execute("copy-threads=0")).startsWith("error: copy threads must be between 1 and 16, got 0");
        assertThat(controls.copyThreads()).isEqualTo(4);
    }

    @Test
    void invalidValuesAreRefusedWithTheReasonAndChangeNothing() {
        assertThat(commands.execute("chunk-size=abc")).isEqualTo("error: chunk-size: \"abc\" is not a whole number\n");
        assertThat(commands.execute("chunk-size=5")).startsWith("error: chunk size must be between 10 and " + Controls.MAX_CHUNK_SIZE + ", got 5");
        assertThat(commands.execute("chunk-size=99999999999")).startsWith("error: chunk-size: 99999999999 is out of range");
        assertThat(commands.execute("chunk-size=")).startsWith("error: chunk-size needs a value");
        assertThat(commands.execute("chunk-size")).startsWith("error: chunk-size needs a value");
        assertThat(controls.chunkSize()).isEqualTo(1000);

        assertThat(commands.execute("nice-ratio=-1")).startsWith("error: nice ratio must be between 0 and 100");
        assertThat(commands.execute("nice-ratio=NaN")).startsWith("error: nice-ratio: \"NaN\" is not a finite number");
        assertThat(commands.execute("nice-ratio=fast")).startsWith("error: nice-ratio: \"fast\" is not a number");
        assertThat(controls.niceRatio()).isZero();

        assertThat(commands.execute("max-lag-millis=50")).startsWith("error: max lag must be at least 100 ms");
        assertThat(controls.maxLagMillis()).isEqualTo(1500);

        assertThat(commands.execute("max-load=Threads_running")).startsWith("error: max-load must look like");
        assertThat(commands.execute("max-load=Threads_running=lots")).startsWith("error: max-load: \"lots\" is not a whole number");
        assertThat(commands.execute("max-load")).startsWith("error: max-load needs a value");
        assertThat(controls.maxLoad().isEmpty()).isTrue();

        assertThat(commands.execute("throttle-query=DELETE FROM t")).startsWith("error: throttle query must be a SELECT");
        assertThat(commands.execute("throttle-query=SELECT 1; DROP TABLE t")).startsWith("error: throttle query must be a single SELECT");
        assertThat(controls.throttleQuery()).isNull();

        assertThat(commands.execute("frobnicate")).isEqualTo("error: unknown command: frobnicate; try help\n");
        assertThat(commands.execute("")).startsWith("error: empty command");
    }

    @Test
    void loadThresholdsAreSetReadAndCleared() {
        assertThat(commands.execute("max-load=Threads_running=25,Threads_connected=500")).doesNotStartWith("error");
        assertThat(controls.maxLoad().limits()).isEqualTo(Map.of("Threads_running", 25L, "Threads_connected", 500L));
        assertThat(commands.execute("max-load=?")).isEqualTo("Threads_running=25,Threads_connected=500\n");
        assertThat(commands.execute("critical-load=Threads_running=1000")).contains("critical-load: Threads_running=1000");
        assertThat(controls.criticalLoad().limits()).isEqualTo(Map.of("Threads_running", 1000L));
        assertThat(commands.execute("max-load=")).doesNotStartWith("error");
        assertThat(controls.maxLoad().isEmpty()).isTrue();
        assertThat(commands.execute("nice-ratio=0.5")).contains("nice-ratio: 0.5");
        assertThat(commands.execute("nice-ratio=?")).isEqualTo("0.5\n");
        assertThat(commands.execute("max-lag-millis=800")).contains("max-lag-millis: 800ms");
        assertThat(commands.execute("throttle-query=select count(*) > 10 from information_schema.processlist"))
                .doesNotStartWith("error");
        assertThat(commands.execute("throttle-query=?")).isEqualTo("select count(*) > 10 from information_schema.processlist\n");
        commands.execute("throttle-query=");
        assertThat(controls.throttleQuery()).isNull();
    }

    @Test
    void throttleAndResumeSteerThePause() {
        assertThat(commands.execute("throttle")).startsWith("# Note: you may only throttle").contains("# paused: true");
        assertThat(controls.paused()).isTrue();
        commands.execute("no-throttle");
        assertThat(controls.paused()).isFalse();
        commands.execute("pause");
        assertThat(controls.paused()).isTrue();
        commands.execute("resume");
        assertThat(controls.paused()).isFalse();
        assertThat(commands.execute("throttle=orders")).startsWith("error: 'throttle' names table orders, but the migrated table is customers");
        assertThat(controls.paused()).isFalse();
        commands.execute("suspend=customers");
        assertThat(controls.paused()).isTrue();
    }

    @Test
    void postponeAndUnpostponeIncludingTheFlagFile() throws Exception {
        assertThat(commands.execute("postpone")).startsWith("Postponed\n");
        assertThat(controls.postponeCutOver()).isTrue();
        Files.writeString(postponeFlag, "");
        assertThat(commands.execute("status")).contains("postpone-cut-over-flag-file: " + postponeFlag + " [set]");
        assertThat(commands.execute("unpostpone")).startsWith("Unpostponed\n");
        assertThat(controls.postponeCutOver()).isFalse();
        assertThat(postponeFlag).doesNotExist();
    }

    @Test
    void panicCancels() {
        assertThat(commands.execute("panic=orders")).startsWith("error:");
        assertThat(controls.cancelReason()).isNull();
        assertThat(commands.execute("panic")).startsWith("Panic:");
        assertThat(controls.cancelReason()).isEqualTo("panic requested");
    }

    @Test
    void statusLinesShowProgressAndThrottling() {
        String sup = commands.execute("sup");
        assertThat(sup).startsWith("Copy: 2500/10000 25.0%;")
                .contains("Applied: 17;", "Lag: 0.12s, ReplicaLag: 0.45s;",
                        "State: Copying, throttled: replica 10.0.0.2:3306 lag 2.0s > 1.5s;", "ETA: 30s")
                .endsWith("\n").hasLineCount(1);
        String status = commands.execute("status");
        assertThat(status).contains("# Migrating `shop`.`customers`; ghost table `shop`.`_customers_gho`",
                "# chunk-size: 1000; chunk-time-millis: 0; copy-threads: 2; max-lag-millis: 1500ms;", "# Phase: Copying — copying rows and applying changes");
        assertThat(status.lines().reduce((a, b) -> b).orElseThrow()).startsWith("Copy: 2500/10000");
        assertThat(commands.execute("info")).contains("# chunk-size: 1000");
        assertThat(commands.execute("help")).contains("chunk-size=<n>", "chunk-time-millis=<n>", "panic", "unpostpone");
    }
}
