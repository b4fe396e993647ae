package io.transmog.engine.control;

import io.transmog.engine.Controls;
import io.transmog.engine.MigrationException;
import io.transmog.engine.MigrationStatus;
import io.transmog.engine.sql.TableNames;
import io.transmog.engine.throttle.LoadThresholds;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * gh-ost's interactive commands against one migration's {@link Controls}: one command
 * per line, {@code name} or {@code name=argument}, {@code name=?} reads a value. Setting
 * a value answers with the status and its hint lines, as gh-ost does; a rejected command
 * answers one line starting with {@code error:} and changes nothing.
 */
public final class ControlCommands {
    static final String HELP = String.join("\n",
            "available commands:",
            "status, info              # full status with the current settings",
            "sup                       # one-line status",
            "chunk-size=<n>            # rows of every copy chunk from now on (10..50000; ends chunk-time sizing); chunk-size=? shows it",
            "chunk-time-millis=<n>     # size copy chunks to take this long (0..10000; 0: chunk-size rows each); chunk-time-millis=? shows it",
            "copy-threads=<n>          # chunks copied at once (1..16); copy-threads=? shows it",
            "max-lag-millis=<n>        # throttle above this replica or stream lag (>= 100); max-lag-millis=? shows it",
            "max-load=<load>           # e.g. max-load=Threads_running=25,Threads_connected=500; empty clears; max-load=? shows it",
            "critical-load=<load>      # abort (or hibernate) at this load; empty clears; critical-load=? shows it",
            "nice-ratio=<x>            # sleep x times each chunk's copy time after it (0..100); nice-ratio=? shows it",
            "throttle-query=<select>   # throttle while it returns a value > 0; empty clears; throttle-query=? shows it",
            "throttle, pause, suspend  # stop copying and applying until no-throttle",
            "no-throttle, unthrottle, resume, continue  # undo throttle",
            "postpone                  # hold the cut-over in AwaitingCutOver",
            "unpostpone, no-postpone, cut-over  # allow the cut-over (removes the postpone flag file)",
            "panic                     # cancel now: ghost and changelog dropped, original untouched",
            "help                      # this list",
            "Commands that act on the migration accept the table name as argument, e.g. panic=<table>: a different name is refused.");

    private static final String THROTTLE_HINT = "# Note: you may only throttle for as long as your binary logs are not purged";

    private final Controls controls;
    private final Supplier<MigrationStatus> status;
    private final String database;
    private final String table;
    private final Path postponeFlagFile;
    private final Instant started = Instant.now();
    private final List<String> servingOn = new CopyOnWriteArrayList<>();
    private volatile Consumer<String> afterCommand = command -> { };

    public ControlCommands(Controls controls, Supplier<MigrationStatus> status, String database, String table,
                           Path postponeFlagFile) {
        this.controls = Objects.requireNonNull(controls, "controls");
        this.status = Objects.requireNonNull(status, "status");
        this.database = database;
        this.table = table;
        this.postponeFlagFile = postponeFlagFile;
    }

    /**
     * Called with the name of each command (without its argument) once it has been answered, accepted or not:
     * the on-interactive-command hooks.
     */
    public ControlCommands afterCommand(Consumer<String> listener) {
        this.afterCommand = Objects.requireNonNull(listener, "listener");
        return this;
    }

    void servingOn(String where) {
        servingOn.add(where);
    }

    /** Runs one command line and returns the answer: one or more lines, each ending in a newline. */
    public String execute(String line) {
        String text = line == null ? "" : line.strip();
        int equals = text.indexOf('=');
        String command = (equals < 0 ? text : text.substring(0, equals)).strip().toLowerCase(Locale.ROOT);
        String argument = equals < 0 ? "" : text.substring(equals + 1).strip();
        try {
            return run(command, argument, equals >= 0);
        } catch (MigrationException e) {
            return error(e.getMessage());
        } finally {
            if (!command.isEmpty()) {
                afterCommand.accept(command);
            }
        }
    }

    private String run(String command, String argument, boolean assignment) {
        switch (command) {
            case "" -> {
                return error("empty command; try help");
            }
            case "help" -> {
                return HELP + "\n";
            }
            case "sup" -> {
                return statusLine() + "\n";
            }
            case "status", "info" -> {
                return fullStatus();
            }
            case "chunk-size" -> {
                if (argument.equals("?")) {
                    return controls.chunkSize() + "\n";
                }
                controls.setChunkSize((int) wholeNumber(command, argument, Integer.MIN_VALUE, Integer.MAX_VALUE));
                controls.setChunkTimeMillis(0);
                return fullStatus();
            }
            case "chunk-time-millis" -> {
                if (argument.equals("?")) {
                    return controls.chunkTimeMillis() + "\n";
                }
                controls.setChunkTimeMillis((int) wholeNumber(command, argument, Integer.MIN_VALUE, Integer.MAX_VALUE));
                return fullStatus();
            }
            case "copy-threads" -> {
                if (argument.equals("?")) {
                    return controls.copyThreads() + "\n";
                }
                controls.setCopyThreads((int) wholeNumber(command, argument, Integer.MIN_VALUE, Integer.MAX_VALUE));
                return fullStatus();
            }
            case "max-lag-millis" -> {
                if (argument.equals("?")) {
                    return controls.maxLagMillis() + "\n";
                }
                controls.setMaxLagMillis(wholeNumber(command, argument, Long.MIN_VALUE, Long.MAX_VALUE));
                return fullStatus();
            }
            case "nice-ratio" -> {
                if (argument.equals("?")) {
                    return controls.niceRatio() + "\n";
                }
                controls.setNiceRatio(decimal(command, argument));
                return fullStatus();
            }
            case "max-load" -> {
                if (argument.equals("?")) {
                    return controls.maxLoad() + "\n";
                }
                requireAssignment(command, assignment);
                controls.setMaxLoad(LoadThresholds.parse("max-load", argument));
                return fullStatus();
            }
            case "critical-load" -> {
                if (argument.equals("?")) {
                    return controls.criticalLoad() + "\n";
                }
                requireAssignment(command, assignment);
                controls.setCriticalLoad(LoadThresholds.parse("critical-load", argument));
                return fullStatus();
            }
            case "throttle-query" -> {
                if (argument.equals("?")) {
                    return Objects.toString(controls.throttleQuery(), "") + "\n";
                }
                requireAssignment(command, assignment);
                controls.setThrottleQuery(argument);
                return fullStatus();
            }
            case "throttle", "pause", "suspend" -> {
                requireOwnTable(command, argument);
                controls.setPaused(true);
                return THROTTLE_HINT + "\n" + fullStatus();
            }
            case "no-throttle", "unthrottle", "resume", "continue" -> {
                requireOwnTable(command, argument);
                controls.setPaused(false);
                return fullStatus();
            }
            case "postpone" -> {
                requireOwnTable(command, argument);
                controls.setPostponeCutOver(true);
                return "Postponed\n" + fullStatus();
            }
            case "unpostpone", "no-postpone", "cut-over" -> {
                requireOwnTable(command, argument);
                controls.setPostponeCutOver(false);
                removePostponeFlagFile();
                return "Unpostponed\n" + fullStatus();
            }
            case "panic" -> {
                requireOwnTable(command, argument);
                controls.cancel("panic requested");
                return "Panic: the migration is being cancelled; ghost and changelog tables will be dropped, "
                        + "the original is left untouched\n";
            }
            default -> {
                return error("unknown command: " + command + "; try help");
            }
        }
    }

    private void removePostponeFlagFile() {
        if (postponeFlagFile == null) {
            return;
        }
        try {
            Files.deleteIfExists(postponeFlagFile);
        } catch (IOException e) {
            throw new MigrationException("cut-over allowed, but the postpone flag file " + postponeFlagFile
                    + " could not be removed and still postpones it: " + e.getMessage());
        }
    }

    private void requireOwnTable(String command, String argument) {
        if (!argument.isEmpty() && table != null && !argument.equals(table)) {
            throw new MigrationException("'" + command + "' names table " + argument + ", but the migrated table is "
                    + table + "; ignoring the request");
        }
    }

    private static void requireAssignment(String command, boolean assignment) {
        if (!assignment) {
            throw new MigrationException(command + " needs a value: " + command + "=<value> (empty clears it), or "
                    + command + "=? to show it");
        }
    }

    private static long wholeNumber(String command, String argument, long min, long max) {
        if (argument.isEmpty()) {
            throw new MigrationException(command + " needs a value: " + command + "=<n>, or " + command + "=? to show it");
        }
        long value;
        try {
            value = Long.parseLong(argument);
        } catch (NumberFormatException e) {
            throw new MigrationException(command + ": \"" + argument + "\" is not a whole number");
        }
        if (value < min || value > max) {
            throw new MigrationException(command + ": " + argument + " is out of range");
        }
        return value;
    }

    private static double decimal(String command, String argument) {
        if (argument.isEmpty()) {
            throw new MigrationException(command + " needs a value: " + command + "=<x>, or " + command + "=? to show it");
        }
        double value;
        try {
            value = Double.parseDouble(argument);
        } catch (NumberFormatException e) {
            throw new MigrationException(command + ": \"" + argument + "\" is not a number");
        }
        if (!Double.isFinite(value)) {
            throw new MigrationException(command + ": \"" + argument + "\" is not a finite number");
        }
        return value;
    }

    private static String error(String message) {
        return "error: " + message.replace('\n', ' ') + "\n";
    }

    /** The full status: gh-ost's hint lines (starting with #), then the one-line status. */
    public String fullStatus() {
        MigrationStatus s = status.get();
        StringBuilder out = new StringBuilder();
        if (table != null) {
            TableNames names = TableNames.of(database, table);
            out.append("# Migrating ").append(names.qualifiedOriginal()).append("; ghost table ")
                    .append(names.qualifiedGhost()).append('\n');
        }
        out.append("# Controller started at ").append(started.truncatedTo(ChronoUnit.SECONDS)).append('\n');
        out.append(String.format(Locale.ROOT,
                "# chunk-size: %d; chunk-time-millis: %d; copy-threads: %d; max-lag-millis: %dms; max-load: %s; critical-load: %s;"
                        + " nice-ratio: %s%n",
                controls.chunkSize(), controls.chunkTimeMillis(), controls.copyThreads(), controls.maxLagMillis(), controls.maxLoad(),
                controls.criticalLoad(), controls.niceRatio()));
        out.append("# critical-load-hibernate-seconds: ").append(controls.criticalLoadHibernateSeconds())
                .append("; throttle-query: ").append(controls.throttleQuery() == null ? "" : controls.throttleQuery())
                .append('\n');
        out.append("# paused: ").append(controls.paused()).append("; postpone-cut-over: ").append(controls.postponeCutOver());
        if (postponeFlagFile != null) {
            out.append("; postpone-cut-over-flag-file: ").append(postponeFlagFile)
                    .append(Files.exists(postponeFlagFile) ? " [set]" : "");
        }
        out.append('\n');
        for (String where : servingOn) {
            out.append("# Serving on ").append(where).append('\n');
        }
        out.append("# Phase: ").append(s.phase()).append(s.message() == null || s.message().isEmpty() ? "" : " — " + s.message())
                .append('\n');
        out.append(statusLine(s)).append('\n');
        return out.toString();
    }

    /** gh-ost's {@code sup} line. */
    public String statusLine() {
        return statusLine(status.get());
    }

    private String statusLine(MigrationStatus s) {
        return s.summary(Duration.between(started, Instant.now()).toSeconds());
    }
}
