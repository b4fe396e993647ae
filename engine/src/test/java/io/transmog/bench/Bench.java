package io.transmog.bench;

import io.transmog.load.Latencies;
import io.transmog.load.PacedWrites;
import io.transmog.testdb.MariaDbServer;
import io.transmog.testdb.ServerFlavor;
import io.transmog.testdb.ServerOptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * {@code make bench}: transmog against the two things its users would do instead, in one run on one throwaway
 * server, each on its own copy of a sysbench-shaped table: the offline floor ({@code ALTER TABLE … ALGORITHM=COPY})
 * and the online floor (CREATE LIKE, the ALTER, then one {@code INSERT … SELECT}, which binlogs every row as transmog
 * does). Then transmog idle and under a paced write load of 1,000 and 2,000 writes/s. The online floor runs a second
 * time under 1,000 writes/s on the table it copies (at READ COMMITTED, so that it reads a snapshot and locks no rows the
 * writers want): the writers' latency then is what the server's own copying costs them, the reference for transmog's.
 *
 * <p>Per run it prints elapsed time, rows/s, the ratios to both floors, the server's CPU seconds (from
 * /proc/&lt;pid&gt;/stat), transmog's CPU seconds, peak RSS and heap; under load also the apply lag (a probe row),
 * the writers' latency before and during the migration, and the cut-over stall as the writers saw it; per transmog
 * run, the wall time and both processes' CPU seconds of each phase, so that a missed target says where it went. Last, a
 * series of {@value #CUT_OVERS} cut-overs in a row on a small table under the first load, for the stall's target, which is
 * a maximum over that many. It appends a Markdown table to docs/benchmarks.md and ends with one line for scripts. Not a
 * test: nothing here asserts a time.
 *
 * <p>System properties (scripts/bench.sh sets them): {@code bench.rows}, {@code bench.launcher}, {@code
 * bench.javaOptions}, {@code bench.chunkSize} (empty: transmog's default), {@code bench.transmogOptions} (more of
 * transmog's options, space-separated), {@code bench.report}, {@code
 * bench.workDir}, {@code bench.bufferPool}, {@code bench.serverOptions} ("name=value" pairs, space-separated), {@code
 * bench.commit}; {@code transmog.test.server} picks the server.
 */
public final class Bench {
    private static final String DATABASE = "bench";
    private static final String ALTER = "ADD COLUMN extra INT NOT NULL DEFAULT 0";
    private static final int[] LOADS = {1000, 2000};
    /** Writes the writers leave alone: the apply-lag probe's row. */
    private static final long PROBE_KEY = 1;
    private static final long BASELINE_SECONDS = 5;
    private static final long SLOW_WRITE_NANOS = 100_000_000L;
    private static final int CUT_OVERS = 20;
    /** Rows of the cut-over series' table: enough for the writers to hit existing rows, few enough to copy in a blink. */
    private static final long CUT_OVER_TABLE_ROWS = 20_000;
    private static final long STALL_TARGET_MILLIS = 200;
    /** A run starts once the checkpoint age is at most this share of its limit, or after {@link #SETTLE_GIVE_UP_NANOS}. */
    private static final double SETTLED_AGE = 0.05;
    private static final long SETTLE_GIVE_UP_NANOS = TimeUnit.SECONDS.toNanos(120);

    private final MariaDbServer server;
    private final long rows;
    private final Path launcher;
    private final String javaOptions;
    private final List<String> transmogArguments;
    private final Path workDir;
    private final ProcessCpu processCpu;
    private final List<Row> results = new ArrayList<>();
    private final List<String> cutOverWindows = new ArrayList<>();
    private final List<String> copyWindows = new ArrayList<>();
    private final List<String> phaseBreakdowns = new ArrayList<>();
    private final List<String> rowLockWaits = new ArrayList<>();
    private final List<String> redoPressure = new ArrayList<>();
    private final List<String> coreUse = new ArrayList<>();
    /** The cut-over series' line for the report; null until it ran. */
    private String cutOverSeries;
    /** The slowest write the cut-over series' writers saw in any of its cut-overs, in ms. */
    private double cutOverSeriesMaxMillis = Double.NaN;

    private Bench(MariaDbServer server, long rows, Path launcher, String javaOptions, List<String> transmogArguments,
                  Path workDir, ProcessCpu processCpu) {
        this.server = server;
        this.rows = rows;
        this.launcher = launcher;
        this.javaOptions = javaOptions;
        this.transmogArguments = transmogArguments;
        this.workDir = workDir;
        this.processCpu = processCpu;
    }

    /**
     * A paced write load with what it cost over its baseline, before anything else ran: server CPU per second, and the
     * row lock waits the writers had among themselves.
     */
    private record Load(PacedWrites writes, long baselineFrom, double serverCpuPerSecond, RowLocks baselineLocks,
                        double baselineSeconds) {
        Latencies.Summary baseline(long until) {
            return writes.between(baselineFrom + TimeUnit.SECONDS.toNanos(1), until);
        }
    }

    /** InnoDB's counters of row lock waits (Innodb_row_lock_waits, Innodb_row_lock_time in ms), or a difference of them. */
    private record RowLocks(long waits, long millis) {
        RowLocks since(RowLocks earlier) {
            return new RowLocks(waits - earlier.waits, millis - earlier.millis);
        }

        String describe(double seconds) {
            return String.format(Locale.ROOT, "%,d waits (%.0f/s), %,d ms waited in all (%.0f ms each on average)", waits,
                    waits / seconds, millis, waits == 0 ? 0.0 : (double) millis / waits);
        }
    }

    /** One line of the results; NaN or null where a figure does not apply to the run. */
    private record Row(String name, double seconds, double serverCpu, double netServerCpu, double toolCpu, double rssMib,
                       double heapMib, Latencies.Summary applyLag, Latencies.Summary writersBefore,
                       Latencies.Summary writersDuring, double stallMillis, long reportedStallMillis, double writesPerSecond) {
    }

    public static void main(String[] args) throws Exception {
        long rows = Long.parseLong(System.getProperty("bench.rows", "1000000"));
        Path launcher = Path.of(System.getProperty("bench.launcher", "bin/transmog")).toAbsolutePath();
        String javaOptions = System.getProperty("bench.javaOptions", "");
        String chunkSize = System.getProperty("bench.chunkSize", "");
        String transmogOptions = System.getProperty("bench.transmogOptions", "").strip();
        List<String> transmogArguments = new ArrayList<>(chunkSize.isBlank() ? List.of() : List.of("--chunk-size", chunkSize));
        transmogArguments.addAll(transmogOptions.isEmpty() ? List.of() : List.of(transmogOptions.split("\\s+")));
        Path report = Path.of(System.getProperty("bench.report", "docs/benchmarks.md"));
        Path workDir = Files.createDirectories(Path.of(System.getProperty("bench.workDir",
                Files.createTempDirectory("transmog-bench").toString())));
        ServerFlavor flavor = ServerFlavor.selected();
        ServerOptions options = ServerOptions.defaults()
                .withVariable("innodb-buffer-pool-size", System.getProperty("bench.bufferPool", "1G"))
                // The harness keeps redo small for quick tests; a bulk copy would spend its time checkpointing.
                .withVariable(flavor.isMySql() ? "innodb-redo-log-capacity" : "innodb-log-file-size", "512M");
        String serverOptions = System.getProperty("bench.serverOptions", "").strip();
        for (String option : serverOptions.isEmpty() ? new String[0] : serverOptions.split("\\s+")) {
            int equals = option.indexOf('=');
            if (equals < 1) {
                throw new IllegalArgumentException("bench.serverOptions: '" + option + "' is not name=value");
            }
            options = options.withVariable(option.substring(0, equals), option.substring(equals + 1));
        }
        String loadBefore = Files.readString(Path.of("/proc/loadavg")).strip();
        try (MariaDbServer server = MariaDbServer.start(flavor, options)) {
            Bench bench = new Bench(server, rows, launcher, javaOptions,
                    transmogArguments, workDir, ProcessCpu.ofThisMachine());
            String line = bench.run();
            bench.appendReport(report, flavor, loadBefore, javaOptions, chunkSize, transmogOptions, serverOptions, line);
            System.out.println();
            System.out.println(line);
        }
    }

    /** Runs every scenario; returns the summary line. */
    private String run() throws Exception {
        say("%s %s on 127.0.0.1:%d, %d CPUs; work dir %s", server.flavor().id(), version(), server.port(),
                Runtime.getRuntime().availableProcessors(), workDir);
        long started = System.nanoTime();
        server.execute(null, "CREATE DATABASE " + DATABASE);
        server.execute(DATABASE, createTable("src"), fill("src"), "ANALYZE TABLE src");
        say("source table: %,d rows in %.1f s, %s MiB", rows, (System.nanoTime() - started) / 1e9,
                server.queryString(DATABASE, "SELECT ROUND((DATA_LENGTH + INDEX_LENGTH) / 1048576) FROM"
                        + " information_schema.TABLES WHERE TABLE_SCHEMA = '" + DATABASE + "' AND TABLE_NAME = 'src'"));

        prepare("plain");
        Row plain = measureStatements("ALTER TABLE ... ALGORITHM=COPY", null, "ALTER TABLE plain " + ALTER + ", ALGORITHM=COPY");
        prepare("floor");
        Row insertSelect = measureStatements("CREATE LIKE + ALTER + INSERT ... SELECT", null, onlineFloor("floor", false));
        server.execute(DATABASE, "DROP TABLE floor", "DROP TABLE floor_new");
        prepare("floor");
        measureStatements("CREATE LIKE + ALTER + INSERT ... SELECT (READ COMMITTED), " + LOADS[0] + " writes/s",
                startLoad("floor", LOADS[0]), onlineFloor("floor", true));
        server.execute(DATABASE, "DROP TABLE floor", "DROP TABLE floor_new");

        prepare("t_idle");
        Row idle = measureTransmog("transmog, idle", "t_idle", 0);
        requireSameData("t_idle", "plain");
        server.execute(DATABASE, "DROP TABLE t_idle", "DROP TABLE plain");
        for (int perSecond : LOADS) {
            String table = "t_load" + perSecond;
            prepare(table);
            measureTransmog("transmog, " + perSecond + " writes/s", table, perSecond);
            server.execute(DATABASE, "DROP TABLE " + table);
        }
        measureCutOverSeries();
        printResults(plain, insertSelect);
        return summaryLine(insertSelect, idle, results.subList(results.indexOf(idle) + 1, results.size()));
    }

    /**
     * The online floor's statements on {@code table}. Under the default REPEATABLE READ its INSERT … SELECT share-locks
     * every row it reads until it commits; with writers running it reads a snapshot instead (READ COMMITTED), or the
     * writers' latency would be the whole copy's duration, which no one would run online.
     */
    private static String[] onlineFloor(String table, boolean writersRun) {
        List<String> statements = new ArrayList<>(List.of("CREATE TABLE " + table + "_new LIKE " + table,
                "ALTER TABLE " + table + "_new " + ALTER));
        if (writersRun) {
            statements.add("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
        }
        statements.add("INSERT INTO " + table + "_new (id, k, c, pad) SELECT id, k, c, pad FROM " + table);
        return statements.toArray(String[]::new);
    }

    /** Starts writing to {@code table} and waits out the baseline, over which it measures what the writes cost. */
    private Load startLoad(String table, int writesPerSecond) throws Exception {
        return startLoad(table, writesPerSecond, rows);
    }

    /** As {@link #startLoad(String, int)}, on a table whose keys end at {@code lastKey}. */
    private Load startLoad(String table, int writesPerSecond, long lastKey) throws Exception {
        double cpuBefore = serverCpuSeconds();
        RowLocks locksBefore = rowLocks();
        long baselineFrom = System.nanoTime();
        PacedWrites writes = SysbenchWrites.start(server, DATABASE, table, writesPerSecond, PROBE_KEY + 1, lastKey);
        TimeUnit.SECONDS.sleep(BASELINE_SECONDS);
        double seconds = (System.nanoTime() - baselineFrom) / 1e9;
        return new Load(writes, baselineFrom, (serverCpuSeconds() - cpuBefore) / seconds, rowLocks().since(locksBefore), seconds);
    }

    /** Stops the writers; fails the run if a write failed as no application's would. */
    private static void stopLoad(String name, Load load) {
        load.writes().close();
        if (!load.writes().unexpectedErrors().isEmpty()) {
            throw new IllegalStateException(name + ": writers failed: " + load.writes().unexpectedErrors().subList(0,
                    Math.min(5, load.writes().unexpectedErrors().size())));
        }
    }

    private void prepare(String table) throws InterruptedException {
        long started = System.nanoTime();
        server.execute(DATABASE, "CREATE TABLE " + table + " LIKE src", "INSERT INTO " + table + " SELECT * FROM src ORDER BY id",
                "ANALYZE TABLE " + table);
        // Warm the buffer pool the same way before every run.
        server.queryString(DATABASE, "SELECT COUNT(*) + SUM(k) FROM " + table + " FORCE INDEX (PRIMARY)");
        say("copied src to %s in %.1f s", table, (System.nanoTime() - started) / 1e9);
        settle();
    }

    /**
     * Lets InnoDB flush what the runs before and the table's copy just wrote, so that every run starts with its
     * checkpoint age low: left alone, at innodb_io_capacity=200 it falls by a few MB a second, and each run inherited
     * the redo of the ones before (a 50,000-row bench climbed from 9 to 43 % of the limit, run by run), the last runs
     * (transmog's under load) the most. Asks for every dirty page to be flushed, waits, then restores the settings.
     */
    private void settle() throws InterruptedException {
        long started = System.nanoTime();
        String pct = server.queryString(null, "SELECT @@GLOBAL.innodb_max_dirty_pages_pct");
        String lwm = server.queryString(null, "SELECT @@GLOBAL.innodb_max_dirty_pages_pct_lwm");
        long limit = RedoProbe.limitBytes(server);
        String ageQuery = RedoProbe.ageQuery(server);
        long age;
        server.execute(null, "SET GLOBAL innodb_max_dirty_pages_pct_lwm = 0.001", "SET GLOBAL innodb_max_dirty_pages_pct = 0.001");
        try {
            while ((age = server.queryLong(null, ageQuery)) > SETTLED_AGE * limit
                    && System.nanoTime() - started < SETTLE_GIVE_UP_NANOS) {
                TimeUnit.MILLISECONDS.sleep(200);
            }
        } finally {
            server.execute(null, "SET GLOBAL innodb_max_dirty_pages_pct = " + pct, "SET GLOBAL innodb_max_dirty_pages_pct_lwm = " + lwm);
        }
        say("settled in %.1f s: checkpoint age %,.0f MiB of %,.0f", (System.nanoTime() - started) / 1e9, age / 1048576.0,
                limit / 1048576.0);
    }

    /** Runs the statements on one connection, under {@code load} (stopped here) unless it is null. */
    private Row measureStatements(String name, Load load, String... statements) throws IOException, SQLException {
        say("%s ...", name);
        double cpuBefore = serverCpuSeconds();
        RowLocks locksBefore = rowLocks();
        RedoProbe redo = new RedoProbe(server);
        long started = System.nanoTime();
        server.execute(DATABASE, statements);
        long ended = System.nanoTime();
        redo.close();
        recordRedoPressure(name, redo, (ended - started) / 1e9);
        double seconds = (ended - started) / 1e9;
        double cpu = serverCpuSeconds() - cpuBefore;
        RowLocks locks = rowLocks().since(locksBefore);
        Latencies.Summary before = null;
        Latencies.Summary during = null;
        double writesDone = Double.NaN;
        if (load != null) {
            stopLoad(name, load);
            before = load.baseline(started);
            during = load.writes().between(started, ended);
            writesDone = during.count() / seconds;
        }
        Row row = new Row(name, seconds, cpu, load == null ? cpu : cpu - load.serverCpuPerSecond() * seconds, Double.NaN,
                Double.NaN, Double.NaN, null, before, during, Double.NaN, -1, writesDone);
        results.add(row);
        say("  %.2f s, server CPU %.1f s (%.1f s net of the writers' own)", seconds, cpu, row.netServerCpu());
        if (load != null) {
            say("  writers: before %s; during the copy %s; %.0f writes/s done, %d lock conflicts", before.describe(),
                    during.describe(), writesDone, load.writes().expectedErrors());
            recordRowLockWaits(name, load, locks, seconds);
        }
        return row;
    }

    private Row measureTransmog(String name, String table, int writesPerSecond) throws Exception {
        say("%s ...", name);
        Load load = null;
        ApplyLagProbe probe = null;
        if (writesPerSecond > 0) {
            load = startLoad(table, writesPerSecond);
            probe = new ApplyLagProbe(server, DATABASE, table, "_" + table + "_gho", PROBE_KEY);
        }
        PacedWrites writes = load == null ? null : load.writes();
        double cpuBefore = serverCpuSeconds();
        RowLocks locksBefore = rowLocks();
        RedoProbe redo = new RedoProbe(server);
        ProcessCpu.MachineCpu machineBefore = processCpu.machine();
        double benchBefore = benchCpuSeconds();
        MigrationProcess.Result run = MigrationProcess.run(launcher, javaOptions, server, DATABASE, table, ALTER,
                transmogArguments, workDir, processCpu);
        ProcessCpu.MachineCpu machine = processCpu.machine().since(machineBefore);
        double bench = benchCpuSeconds() - benchBefore;
        double cpu = serverCpuSeconds() - cpuBefore;
        RowLocks locks = rowLocks().since(locksBefore);
        redo.close();
        if (probe != null) {
            probe.close();
        }
        if (load != null) {
            stopLoad(name, load);
        }
        requireSucceeded(name, run);
        long end = run.endedNanos();
        long copying = run.phaseStart("Copying", run.startedNanos());
        long cutOver = run.phaseStart("CuttingOver", end);
        Latencies.Summary lag = probe == null ? null : probe.between(run.startedNanos(), cutOver);
        Latencies.Summary before = load == null ? null : load.baseline(run.startedNanos());
        Latencies.Summary during = writes == null ? null
                : writes.between(copying, run.phaseStart("AwaitingCutOver", cutOver));
        Latencies.Summary atCutOver = writes == null ? null : writes.between(cutOver, end);
        double writesDone = writes == null ? Double.NaN : writes.between(copying, cutOver).count() / ((cutOver - copying) / 1e9);
        double loadCpuPerSecond = load == null ? 0 : load.serverCpuPerSecond();
        Row row = new Row(name, run.elapsedSeconds(), cpu, cpu - loadCpuPerSecond * run.elapsedSeconds(), run.cpuSeconds(),
                run.peakRssKib() / 1024.0, run.peakHeapMib(), lag, before, during,
                atCutOver == null ? Double.NaN : atCutOver.maxMillis(), run.reportedStallMillis(), writesDone);
        results.add(row);
        say("  %.2f s, server CPU %.1f s (%.1f s net of the writers' own), transmog CPU %.1f s, RSS %.0f MiB, heap %.0f MiB,"
                + " cut-over stall %d ms (transmog's figure)", row.seconds(), cpu, row.netServerCpu(), row.toolCpu(),
                row.rssMib(), row.heapMib(), row.reportedStallMillis());
        recordCoreUse(name, run, cpu, bench, machine);
        phaseBreakdowns.add(name + ": " + phases(run, loadCpuPerSecond, writes, probe, redo));
        recordRedoPressure(name, redo, run.elapsedSeconds());
        say("  phases: %s", phaseBreakdowns.get(phaseBreakdowns.size() - 1));
        if (writes != null) {
            say("  apply lag %s", lag.describe());
            say("  writers: before %s; during the copy %s; at cut-over max %.1f ms; %.0f writes/s done, %d lock conflicts",
                    before.describe(), during.describe(), row.stallMillis(), writesDone, writes.expectedErrors());
            cutOverWindows.add(name + ": " + slowestAtCutOver(writes, cutOver, run));
            copyWindows.add(name + ": " + slowDuringCopy(writes, copying, run.phaseStart("AwaitingCutOver", cutOver)));
            say("  copy window: %s", copyWindows.get(copyWindows.size() - 1));
            say("  cut-over window: %s", cutOverWindows.get(cutOverWindows.size() - 1));
            recordRowLockWaits(name, load, locks, run.elapsedSeconds());
            if (probe.failure() != null) {
                throw new IllegalStateException(name + ": apply-lag probe failed: " + probe.failure());
            }
        }
        return row;
    }

    private static void requireSucceeded(String name, MigrationProcess.Result run) throws IOException {
        if (run.exitCode() != 0) {
            List<String> log = Files.readAllLines(run.stderr());
            log.subList(Math.max(0, log.size() - 20), log.size()).forEach(l -> System.out.println("   " + l));
            throw new IllegalStateException(name + ": transmog exited with " + run.exitCode() + ", last status " + run.lastStatus());
        }
    }

    /**
     * {@value #CUT_OVERS} migrations in a row of one {@value #CUT_OVER_TABLE_ROWS}-row table, adding and dropping a column
     * by turns, under the first load, the same writers throughout: per cut-over, the slowest write in flight at any moment
     * of it (from the CuttingOver phase's first report to the process's exit, the old table's drop included), and
     * transmog's own figure. Two loaded runs show two cut-overs; the target is a maximum over twenty.
     */
    private void measureCutOverSeries() throws Exception {
        String table = "t_cutover";
        long tableRows = Math.min(rows, CUT_OVER_TABLE_ROWS);
        String name = String.format(Locale.ROOT, "%d cut-overs in a row, %,d-row table, %d writes/s", CUT_OVERS, tableRows, LOADS[0]);
        say("%s ...", name);
        server.execute(DATABASE, "CREATE TABLE " + table + " LIKE src",
                "INSERT INTO " + table + " SELECT * FROM src WHERE id <= " + tableRows, "ANALYZE TABLE " + table);
        settle();
        Load load = startLoad(table, LOADS[0], tableRows);
        List<MigrationProcess.Result> runs = new ArrayList<>();
        try {
            for (int i = 0; i < CUT_OVERS; i++) {
                String alter = i % 2 == 0 ? ALTER : "DROP COLUMN extra";
                MigrationProcess.Result run = MigrationProcess.run(launcher, javaOptions, server, DATABASE, table, alter,
                        transmogArguments, workDir, processCpu);
                requireSucceeded(name + ", cut-over " + (i + 1), run);
                runs.add(run);
                say("  cut-over %d (%s): transmog's figure %d ms", i + 1, alter, run.reportedStallMillis());
            }
        } finally {
            load.writes().close();
        }
        stopLoad(name, load);
        List<Double> writersMax = new ArrayList<>();
        for (MigrationProcess.Result run : runs) {
            long cutOver = run.phaseStart("CuttingOver", run.endedNanos());
            double[] slowest = {0};
            load.writes().forEachSample((due, latency) -> {
                if (due < run.endedNanos() && due + latency > cutOver) {
                    slowest[0] = Math.max(slowest[0], latency / 1e6);
                }
            });
            writersMax.add(slowest[0]);
        }
        say("  the slowest write in flight during each cut-over, in order (ms): %s", writersMax.stream()
                .map(ms -> String.format(Locale.ROOT, "%.0f", ms)).collect(Collectors.joining(", ")));
        server.execute(DATABASE, "DROP TABLE " + table);
        List<Double> sorted = writersMax.stream().sorted().toList();
        List<Long> sortedReported = runs.stream().map(MigrationProcess.Result::reportedStallMillis).sorted().toList();
        cutOverSeriesMaxMillis = sorted.get(sorted.size() - 1);
        long over = sorted.stream().filter(ms -> ms >= STALL_TARGET_MILLIS).count();
        cutOverSeries = String.format(Locale.ROOT, "%s: the slowest write in flight during each cut-over, min / median / max"
                        + " %.0f / %.0f / %.0f ms, %d of %d at %d ms or more; transmog's figure min / median / max %d / %d / %d ms",
                name, sorted.get(0), sorted.get(sorted.size() / 2), cutOverSeriesMaxMillis, over, sorted.size(),
                STALL_TARGET_MILLIS, sortedReported.get(0), sortedReported.get(sortedReported.size() / 2),
                sortedReported.get(sortedReported.size() - 1));
        say("  %s", cutOverSeries);
    }

    /**
     * Where the run's time and CPU went: per phase (from its first report to the next phase's), the wall time, the
     * server's CPU seconds (net of the writers' own, at their baseline rate, under load), transmog's, and the statements
     * the server was sent: its round trips, net of the writers' writes and the probe's statements under load, and of
     * the counter's own reads. The first stretch, before any status line, is the JVM's start; AwaitingCutOver holds the
     * checksum pass; Succeeded is the process's exit after its last status line.
     */
    private static String phases(MigrationProcess.Result run, double loadCpuPerSecond, PacedWrites writes, ApplyLagProbe probe,
                                 RedoProbe redo) {
        List<String> names = new ArrayList<>(List.of("start"));
        List<MigrationProcess.Mark> marks = new ArrayList<>(List.of(run.start()));
        run.phaseStarts().forEach((phase, mark) -> {
            names.add(phase);
            marks.add(mark);
        });
        marks.add(run.end());
        List<String> parts = new ArrayList<>();
        for (int i = 0; i + 1 < marks.size(); i++) {
            MigrationProcess.Mark from = marks.get(i);
            MigrationProcess.Mark to = marks.get(i + 1);
            double seconds = (to.nanos() - from.nanos()) / 1e9;
            // Net of the writers at their baseline rate, a short phase can come out a little below zero: shown as 0.
            double server = Math.max(0, to.serverCpu() - from.serverCpu() - loadCpuPerSecond * seconds);
            // Writes are counted by when they were due, which may be a little before they were sent: near zero, the
            // same clamp.
            long others = 1 + (writes == null ? 0 : writes.between(from.nanos(), to.nanos()).count())
                    + (probe == null ? 0 : probe.statementsBetween(from.nanos(), to.nanos()))
                    + redo.statementsBetween(from.nanos(), to.nanos());
            parts.add(String.format(Locale.ROOT, "%s %.2f s (CPU s: server %.1f, transmog %.1f; %,d statements)", names.get(i),
                    seconds, server, to.toolCpu() - from.toolCpu(), Math.max(0, to.statements() - from.statements() - others)));
        }
        return String.join("; ", parts) + (loadCpuPerSecond > 0 ? "; server CPU and statements net of the writers'" : "");
    }

    /**
     * When, in the cut-over window, the slowest write began: before the swap (catching up, locking), between the swap
     * and the end (dropping the old table, cleaning up), so that a stall the writers saw there is put where it belongs.
     */
    private static String slowestAtCutOver(PacedWrites writes, long cutOver, MigrationProcess.Result run) {
        long[] slowest = {0, -1};
        writes.forEachSample((start, latency) -> {
            if (start >= cutOver && start < run.endedNanos() && latency > slowest[1]) {
                slowest[0] = start;
                slowest[1] = latency;
            }
        });
        if (slowest[1] < 0) {
            return "no write began in it";
        }
        return String.format(Locale.ROOT, "slowest write %.0f ms, began %+.0f ms after the cut-over phase began; the swap"
                        + " was reported at %+.0f ms, the end (old table dropped) at %+.0f ms", slowest[1] / 1e6,
                (slowest[0] - cutOver) / 1e6, run.swapReportedNanos() < 0 ? Double.NaN : (run.swapReportedNanos() - cutOver) / 1e6,
                (run.endedNanos() - cutOver) / 1e6);
    }

    /**
     * The writes during the copy that took {@link #SLOW_WRITE_NANOS} or more: how many, over what span, and the
     * slowest with its wall-clock time, to be found in transmog's log. One stall of the server shows as many slow
     * writes within a fraction of a second; slow writes spread over the copy are a different cause.
     */
    private static String slowDuringCopy(PacedWrites writes, long from, long to) {
        long epochOffsetNanos = System.currentTimeMillis() * 1_000_000L - System.nanoTime();
        long[] slow = {0, Long.MAX_VALUE, Long.MIN_VALUE, 0, -1}; // count, first start, last start, slowest start, its latency
        writes.forEachSample((start, latency) -> {
            if (start >= from && start < to && latency >= SLOW_WRITE_NANOS) {
                slow[0]++;
                slow[1] = Math.min(slow[1], start);
                slow[2] = Math.max(slow[2], start);
                if (latency > slow[4]) {
                    slow[3] = start;
                    slow[4] = latency;
                }
            }
        });
        if (slow[0] == 0) {
            return "no write took " + SLOW_WRITE_NANOS / 1_000_000 + " ms or more";
        }
        return String.format(Locale.ROOT, "%d writes took %d ms or more, begun between %+.1f s and %+.1f s into the copy;"
                        + " the slowest %.0f ms, begun at %s", slow[0], SLOW_WRITE_NANOS / 1_000_000, (slow[1] - from) / 1e9,
                (slow[2] - from) / 1e9, slow[4] / 1e6, Instant.ofEpochMilli((slow[3] + epochOffsetNanos) / 1_000_000L));
    }

    /** An idle migration must give exactly what the server's own ALTER gave. */
    private void requireSameData(String migrated, String altered) {
        String a = server.queryString(DATABASE, "SELECT COUNT(*) FROM " + migrated);
        String sumA = checksum(migrated);
        String sumB = checksum(altered);
        if (!sumA.equals(sumB)) {
            throw new IllegalStateException("CHECKSUM TABLE differs: " + migrated + " " + sumA + ", " + altered + " " + sumB);
        }
        say("  check: %s rows, CHECKSUM TABLE %s equal to the ALTER's result", a, sumA);
    }

    private String checksum(String table) {
        try (var connection = server.connect(DATABASE); var statement = connection.createStatement();
             var rs = statement.executeQuery("CHECKSUM TABLE " + table)) {
            rs.next();
            return rs.getString(2);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("CHECKSUM TABLE " + table + ": " + e.getMessage(), e);
        }
    }

    private void printResults(Row plain, Row insertSelect) {
        System.out.println();
        System.out.printf(Locale.ROOT, "== Results: %,d rows, %s, %s%n", rows, ALTER, server.flavor().id());
        for (String line : table(plain, insertSelect)) {
            System.out.println(line);
        }
    }

    /** The results as Markdown table lines. */
    private List<String> table(Row plain, Row insertSelect) {
        List<String> lines = new ArrayList<>();
        lines.add("| run | elapsed s | rows/s | × ALTER COPY | × INSERT…SELECT | server CPU s (net of writers) | transmog CPU s"
                + " | peak RSS MiB | peak heap MiB | apply lag p50/p99/max ms | writers before p50/p99/max ms"
                + " | writers during copy p50/p99/max ms | cut-over stall ms (writers / transmog) | writes/s done |");
        lines.add("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        for (Row r : results) {
            lines.add("| " + String.join(" | ", r.name(), f2(r.seconds()), String.format(Locale.ROOT, "%,.0f", rows / r.seconds()),
                    f2(r.seconds() / plain.seconds()), f2(r.seconds() / insertSelect.seconds()),
                    f1(r.serverCpu()) + (r.writesPerSecond() > 0 ? " (" + f1(r.netServerCpu()) + ")" : ""),
                    f1(r.toolCpu()), f0(r.rssMib()), f0(r.heapMib()), triple(r.applyLag()), triple(r.writersBefore()),
                    triple(r.writersDuring()),
                    r.reportedStallMillis() < 0 ? "—" : (Double.isNaN(r.stallMillis()) ? "—" : f0(r.stallMillis())) + " / "
                            + r.reportedStallMillis(),
                    f0(r.writesPerSecond())) + " |");
        }
        return lines;
    }

    private String summaryLine(Row insertSelect, Row idle, List<Row> loaded) {
        double lagP99 = loaded.stream().mapToDouble(r -> r.applyLag().p99Millis()).max().orElse(0);
        double stall = Math.max(loaded.stream().mapToDouble(Row::stallMillis).max().orElse(0),
                Double.isNaN(cutOverSeriesMaxMillis) ? 0 : cutOverSeriesMaxMillis);
        double rss = results.stream().mapToDouble(Row::rssMib).filter(v -> !Double.isNaN(v)).max().orElse(0);
        double heap = results.stream().mapToDouble(Row::heapMib).filter(v -> !Double.isNaN(v)).max().orElse(0);
        return String.format(Locale.ROOT, "bench: idle_vs_insert_select=%.2f load1000_vs_idle=%.2f load2000_vs_idle=%.2f"
                        + " server_cpu_vs_insert_select=%.2f lag_p99_ms=%.0f stall_max_ms=%.0f rss_max_mb=%.0f heap_max_mb=%.0f",
                idle.seconds() / insertSelect.seconds(), loaded.get(0).seconds() / idle.seconds(),
                loaded.get(1).seconds() / idle.seconds(), idle.serverCpu() / insertSelect.serverCpu(), lagP99, stall, rss, heap);
    }

    private void appendReport(Path report, ServerFlavor flavor, String loadBefore, String javaOptions, String chunkSize,
                              String transmogOptions, String serverOptions, String line) throws IOException {
        List<String> out = new ArrayList<>();
        out.add("");
        out.add(String.format(Locale.ROOT, "### %s, %s %s, %,d rows (commit %s)", Instant.now().truncatedTo(ChronoUnit.SECONDS),
                flavor.id(), version(), rows, System.getProperty("bench.commit", "unknown")));
        out.add("");
        out.add(String.format(Locale.ROOT, "Machine: %s, %d CPUs, %s; load average before %s, after %s. transmog: `%s`, JVM"
                        + " `%s`, chunk size %s%s. Server buffer pool %s%s, innodb_autoinc_lock_mode %s. ALTER: `%s`.", cpuModel(),
                Runtime.getRuntime().availableProcessors(), memTotal(), loadBefore, Files.readString(Path.of("/proc/loadavg")).strip(),
                launcher, javaOptions.isBlank() ? "(defaults)" : javaOptions, chunkSize.isBlank() ? "default" : chunkSize,
                transmogOptions.isEmpty() ? "" : ", options `" + transmogOptions + "`",
                System.getProperty("bench.bufferPool", "1G"), serverOptions.isEmpty() ? "" : ", options `" + serverOptions + "`",
                // Whether parallel chunk copies into an AUTO_INCREMENT table take turns (see the README's copy section).
                server.queryString(null, "SELECT @@GLOBAL.innodb_autoinc_lock_mode"), ALTER));
        out.add("");
        out.addAll(table(results.get(0), results.get(1)));
        out.add("");
        phaseBreakdowns.forEach(phases -> out.add("Phases, " + phases + "."));
        copyWindows.forEach(window -> out.add("Copy, " + window + "."));
        cutOverWindows.forEach(window -> out.add("Cut-over window, " + window + "."));
        rowLockWaits.forEach(waits -> out.add("Row lock waits, " + waits + "."));
        redoPressure.forEach(redo -> out.add("Redo, " + redo + "."));
        coreUse.forEach(use -> out.add("Cores, " + use + "."));
        if (cutOverSeries != null) {
            out.add("Cut-overs, " + cutOverSeries + ".");
        }
        out.add("");
        out.add("`" + line + "`");
        Files.createDirectories(report.toAbsolutePath().getParent());
        if (!Files.exists(report)) {
            Files.writeString(report, "# Benchmarks\n\nAppended by `make bench` (scripts/bench.sh, io.transmog.bench.Bench),"
                    + " newest last. The machine is shared: figures are noisy.\n");
        }
        Files.write(report, out, StandardOpenOption.APPEND);
        say("appended to %s", report);
    }

    private String createTable(String table) {
        return "CREATE TABLE " + table + " (id INT NOT NULL AUTO_INCREMENT, k INT NOT NULL DEFAULT 0,"
                + " c CHAR(120) NOT NULL DEFAULT '', pad CHAR(60) NOT NULL DEFAULT '', PRIMARY KEY (id), KEY k_1 (k))"
                + " ENGINE=InnoDB";
    }

    /** sysbench's value format: c is 10 groups of 11 digits, pad 5 groups; deterministic, so every copy is equal. */
    private String fill(String table) {
        long[][] c = {{2654435761L, 1}, {40503, 7}, {2246822519L, 13}, {3266489917L, 17}, {668265263, 19}, {374761393, 23},
                {1597334677, 29}, {3812015801L, 31}, {961748941, 37}, {982451653, 41}};
        long[][] pad = {{1299709, 43}, {15485863, 47}, {32452843, 53}, {49979687, 59}, {67867967, 61}};
        return "INSERT INTO " + table + " (id, k, c, pad) SELECT seq, 1 + (seq * 2654435761) % " + rows + ", "
                + groups(c) + ", " + groups(pad) + " FROM seq_1_to_" + rows;
    }

    private static String groups(long[][] factors) {
        List<String> parts = new ArrayList<>();
        for (long[] f : factors) {
            parts.add("LPAD((seq * " + f[0] + " + " + f[1] + ") % 100000000000, 11, '0')");
        }
        return "CONCAT_WS('-', " + String.join(", ", parts) + ")";
    }

    private String version() {
        return server.queryString(null, "SELECT VERSION()");
    }

    /**
     * Row lock waits of a run under load against the writers' own before it: how much of the writers' latency during a
     * copy is waiting for rows that the copy (or the applier) holds, rather than for the server's CPU or its log.
     */
    private void recordRowLockWaits(String name, Load load, RowLocks locks, double seconds) {
        rowLockWaits.add(String.format(Locale.ROOT, "%s: %s during the run; the writers alone before it %s", name,
                locks.describe(seconds), load.baselineLocks().describe(load.baselineSeconds())));
        say("  row lock waits: %s", rowLockWaits.get(rowLockWaits.size() - 1));
    }

    /**
     * How much of the machine a transmog run had: on a machine the server, transmog and this process's writers share,
     * a loaded run is slower than the idle one by what the others take, and this says how much that was.
     */
    private void recordCoreUse(String name, MigrationProcess.Result run, double serverCpu, double benchCpu,
                               ProcessCpu.MachineCpu machine) {
        double seconds = run.elapsedSeconds();
        coreUse.add(String.format(Locale.ROOT, "%s: %.2f of the %d cores busy over the run's %.1f s (%.1f CPU s, %.1f of them"
                        + " taken by the hypervisor; by process: server %.1f, transmog %.1f, the benchmark's writers and probes"
                        + " %.1f)", name, machine.busySeconds() / seconds, Runtime.getRuntime().availableProcessors(), seconds,
                machine.busySeconds(), machine.stealSeconds(), serverCpu, run.cpuSeconds(), benchCpu));
        say("  cores: %s", coreUse.get(coreUse.size() - 1));
    }

    private void recordRedoPressure(String name, RedoProbe redo, double runSeconds) {
        redoPressure.add(name + ": " + redo.describe(runSeconds));
        say("  redo: %s", redoPressure.get(redoPressure.size() - 1));
    }

    private RowLocks rowLocks() {
        // MySQL 8 and later keep global status in performance_schema only; MariaDB also in information_schema.
        String table = server.flavor().isMySql() ? "performance_schema.global_status" : "information_schema.GLOBAL_STATUS";
        String query = "SELECT VARIABLE_VALUE FROM " + table + " WHERE VARIABLE_NAME = '%s'";
        return new RowLocks(server.queryLong(null, String.format(query, "Innodb_row_lock_waits")),
                server.queryLong(null, String.format(query, "Innodb_row_lock_time")));
    }

    /** User plus system CPU seconds of this process (the writers, the probes) so far. */
    private double benchCpuSeconds() throws IOException {
        return processCpu.seconds(ProcessHandle.current().pid());
    }

    /** User plus system CPU seconds of the server process so far. */
    private double serverCpuSeconds() throws IOException {
        return processCpu.seconds(server.pid());
    }

    private static String cpuModel() throws IOException {
        return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                .map(l -> l.substring(l.indexOf(':') + 1).strip()).findFirst().orElse("unknown CPU");
    }

    private static String memTotal() throws IOException {
        return Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal"))
                .map(l -> String.format(Locale.ROOT, "%.0f GiB RAM", Long.parseLong(l.replaceAll("[^0-9]", "")) / 1048576.0))
                .findFirst().orElse("unknown RAM");
    }

    private static String triple(Latencies.Summary s) {
        return s == null || s.count() == 0 ? "—" : f0(s.p50Millis()) + " / " + f0(s.p99Millis()) + " / " + f0(s.maxMillis());
    }

    private static String f0(double v) {
        return Double.isNaN(v) ? "—" : String.format(Locale.ROOT, "%.0f", v);
    }

    private static String f1(double v) {
        return Double.isNaN(v) ? "—" : String.format(Locale.ROOT, "%.1f", v);
    }

    private static String f2(double v) {
        return Double.isNaN(v) ? "—" : String.format(Locale.ROOT, "%.2f", v);
    }

    private static void say(String format, Object... args) {
        System.out.printf(Locale.ROOT, "   " + format + "%n", args);
    }
}
