package io.transmog.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** User plus system CPU seconds of a process, from /proc/&lt;pid&gt;/stat: the server's and transmog's. */
final class ProcessCpu {
    private final long clockTicks;

    private ProcessCpu(long clockTicks) {
        this.clockTicks = clockTicks;
    }

    static ProcessCpu ofThisMachine() throws IOException, InterruptedException {
        Process getconf = new ProcessBuilder("getconf", "CLK_TCK").start();
        String out = new String(getconf.getInputStream().readAllBytes()).strip();
        getconf.waitFor();
        return new ProcessCpu(out.matches("[0-9]+") ? Long.parseLong(out) : 100);
    }

    /** CPU seconds of {@code pid} so far; NaN once it has exited. */
    double seconds(long pid) throws IOException {
        String stat;
        try {
            stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        } catch (NoSuchFileException e) {
            return Double.NaN;
        }
        // Fields after the command name, which is in parentheses and may hold spaces: utime and stime are 14 and 15.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / (double) clockTicks;
    }
}
