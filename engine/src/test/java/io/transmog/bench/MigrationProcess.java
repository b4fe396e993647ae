package io.transmog.bench;

import io.transmog.testdb.MariaDbServer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code bin/transmog migrate --execute} run as users run it (the CLI jar, its own JVM), under GNU time for its
 * CPU seconds and peak resident set, with a GC log for its heap. Its status lines are read as they come, so the
 * moment each phase began is known on this JVM's clock, with the server's and transmog's CPU seconds at that moment.
 */
final class MigrationProcess {
    private static final Pattern PHASE = Pattern.compile("\"phase\":\"([A-Za-z]+)\"");
    private static final Pattern STALL = Pattern.compile("\"stallMillis\":(\\d+)");
    private static final Pattern GC_PAUSE = Pattern.compile("Pause.* (\\d+)([KMG])->(\\d+)([KMG])\\((\\d+)([KMG])\\)");

    /**
     * A moment of the run: System.nanoTime() of this JVM, the server's and transmog's CPU seconds so far, and the
     * statements the server has been sent so far (its {@code Questions} counter, which counts the query that reads it).
     */
    record Mark(long nanos, double serverCpu, double toolCpu, long statements) {
    }

    /**
     * What one run measured; times are System.nanoTime() of this JVM. {@code phaseStarts} holds the first report of
     * each phase, in the order they came; {@code start} and {@code end} bracket the process.
     */
    record Result(int exitCode, Mark start, Mark end, Map<String, Mark> phaseStarts, long reportedStallMillis,
                  long swapReportedNanos, double cpuSeconds, long peakRssKib, double peakHeapMib, String lastStatus, Path stderr) {
        long startedNanos() {
            return start.nanos();
        }

        long endedNanos() {
            return end.nanos();
        }

        double elapsedSeconds() {
            return (endedNanos() - startedNanos()) / 1e9;
        }

        /** When the phase was first reported, or {@code otherwise}. */
        long phaseStart(String phase, long otherwise) {
            Mark mark = phaseStarts.get(phase);
            return mark == null ? otherwise : mark.nanos();
        }
    }

    private MigrationProcess() {
    }

    static Result run(Path launcher, String javaOptions, MariaDbServer server, String database, String table, String alter,
                      List<String> extraArguments, Path workDir, ProcessCpu cpu) throws IOException, InterruptedException, SQLException {
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
        // A connection of its own reads the server's statement counter at each mark.
        try (Connection counter = server.connect(null)) {
            return run(builder, counter, server, cpu, timeFile, gcLog, stderr);
        }
    }

    private static Result run(ProcessBuilder builder, Connection counter, MariaDbServer server, ProcessCpu cpu,
                              Path timeFile, Path gcLog, Path stderr) throws IOException, InterruptedException, SQLException {
        Map<String, Mark> phaseStarts = new LinkedHashMap<>();
        Mark start = new Mark(System.nanoTime(), cpu.seconds(server.pid()), 0, statements(counter));
        Process process = builder.start();
        long transmogPid = -1;
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
                    if (!phaseStarts.containsKey(phase.group(1))) {
                        if (transmogPid < 0) {
                            // GNU time's child: the launcher, which has exec'd the JVM by its first status line.
                            transmogPid = process.children().findFirst().map(ProcessHandle::pid).orElse(-1L);
                        }
                        phaseStarts.put(phase.group(1), new Mark(now, cpu.seconds(server.pid()),
                                transmogPid < 0 ? Double.NaN : cpu.seconds(transmogPid), statements(counter)));
                    }
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
        double serverCpuAtEnd = cpu.seconds(server.pid());
        // GNU time's last line is the format's; a line before it reports a non-zero exit status.
        List<String> timeLines = Files.readAllLines(timeFile);
        String[] usage = timeLines.get(timeLines.size() - 1).strip().split("\\s+");
        double toolCpu = Double.parseDouble(usage[0]) + Double.parseDouble(usage[1]);
        long rss = Long.parseLong(usage[2]);
        return new Result(exit, start, new Mark(ended, serverCpuAtEnd, toolCpu, statements(counter)),
                Collections.unmodifiableMap(phaseStarts), stall, swapReported, toolCpu, rss, peakHeap(gcLog), last, stderr);
    }

    /** The server's count of statements its clients sent, this one included. */
    private static long statements(Connection counter) throws SQLException {
        try (Statement statement = counter.createStatement();
             ResultSet rs = statement.executeQuery("SHOW GLOBAL STATUS LIKE 'Questions'")) {
            rs.next();
            return rs.getLong(2);
        }
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
