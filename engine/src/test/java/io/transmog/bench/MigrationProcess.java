package io.transmog.bench;

import io.transmog.testdb.MariaDbServer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code bin/transmog migrate --execute} run as users run it (the CLI jar, its own JVM), under GNU time for its
 * CPU seconds and peak resident set, with a GC log for its heap. Its status lines are read as they come, so the
 * moment each phase began is known on this JVM's clock.
 */
final class MigrationProcess {
    private static final Pattern PHASE = Pattern.compile("\"phase\":\"([A-Za-z]+)\"");
    private static final Pattern STALL = Pattern.compile("\"stallMillis\":(\\d+)");
    private static final Pattern GC_PAUSE = Pattern.compile("Pause.* (\\d+)([KMG])->(\\d+)([KMG])\\((\\d+)([KMG])\\)");

    /** What one run measured; times are System.nanoTime() of this JVM. */
    record Result(int exitCode, long startedNanos, long endedNanos, Map<String, Long> phaseStarts, long reportedStallMillis,
                  long swapReportedNanos, double cpuSeconds, long peakRssKib, double peakHeapMib, String lastStatus, Path stderr) {
        double elapsedSeconds() {
            return (endedNanos - startedNanos) / 1e9;
        }

        /** When the phase was first reported, or {@code otherwise}. */
        long phaseStart(String phase, long otherwise) {
            return phaseStarts.getOrDefault(phase, otherwise);
        }
    }

    private MigrationProcess() {
    }

    static Result run(Path launcher, String javaOptions, MariaDbServer server, String database, String table, String alter,
                      List<String> extraArguments, Path workDir) throws IOException, InterruptedException {
        Path timeFile = workDir.resolve(table + ".time");
        Path gcLog = workDir.resolve(table + ".gc.log");
        Path stderr = workDir.resolve(table + ".log");
        List<String> command = new ArrayList<>(List.of("/usr/bin/time", "-f", "%U %S %M", "-o", timeFile.toString(),
                launcher.toString(), "migrate", "--host", server.host(), "--port", Integer.toString(server.port()),
                "--user", server.user(), "--database", database, "--table", table, "--alter", alter, "--execute",
                "--ok-to-drop-table", "--status-json", "--status-interval-seconds", "1"));
        command.addAll(extraArguments);
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(stderr.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        builder.environment().put("TRANSMOG_PASSWORD", server.password());
        builder.environment().put("TRANSMOG_JAVA_OPTS", javaOptions + " -Xlog:gc:file=" + gcLog);
        Map<String, Long> phaseStarts = new ConcurrentHashMap<>();
        long started = System.nanoTime();
        Process process = builder.start();
        String last = "";
        long stall = -1;
        // The first status line with the stall is printed when the swap is done (a phase message change prints at once).
        long swapReported = -1;
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                long now = System.nanoTime();
                Matcher phase = PHASE.matcher(line);
                if (phase.find()) {
                    phaseStarts.putIfAbsent(phase.group(1), now);
                    last = line;
                }
                Matcher reported = STALL.matcher(line);
                if (reported.find()) {
                    stall = Long.parseLong(reported.group(1));
                    swapReported = swapReported < 0 ? now : swapReported;
                }
            }
        }
        int exit = process.waitFor();
        long ended = System.nanoTime();
        // GNU time's last line is the format's; a line before it reports a non-zero exit status.
        List<String> timeLines = Files.readAllLines(timeFile);
        String[] usage = timeLines.get(timeLines.size() - 1).strip().split("\\s+");
        double cpu = Double.parseDouble(usage[0]) + Double.parseDouble(usage[1]);
        long rss = Long.parseLong(usage[2]);
        return new Result(exit, started, ended, Map.copyOf(phaseStarts), stall, swapReported, cpu, rss, peakHeap(gcLog), last, stderr);
    }

    /** The largest heap occupancy a GC pause found (garbage included), in MiB; 0 when no collection ran. */
    private static double peakHeap(Path gcLog) throws IOException {
        if (!Files.exists(gcLog)) {
            return 0;
        }
        double peak = 0;
        for (String line : Files.readAllLines(gcLog)) {
            Matcher m = GC_PAUSE.matcher(line);
            if (m.find()) {
                peak = Math.max(peak, mib(m.group(1), m.group(2)));
            }
        }
        return peak;
    }

    private static double mib(String amount, String unit) {
        double value = Double.parseDouble(amount);
        return switch (unit) {
            case "K" -> value / 1024;
            case "G" -> value * 1024;
            default -> value;
        };
    }
}
