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

    /** /proc/stat's fields of busy time: user, nice, system, irq, softirq and steal. */
    private static final int[] BUSY_FIELDS = {1, 2, 3, 6, 7, 8};
    private static final int STEAL_FIELD = 8;

    /**
     * CPU seconds the whole machine has been busy, all cores together: over a run, against its wall time, how many of
     * the cores were used. Steal (time a hypervisor gave another guest while this one had work) counts as busy, and
     * {@code stealSeconds} tells it apart. Ticks sampled per core, not each process's exact run time: the processes'
     * own seconds can add up to a few percent more.
     */
    record MachineCpu(double busySeconds, double stealSeconds) {
        MachineCpu since(MachineCpu before) {
            return new MachineCpu(busySeconds - before.busySeconds, stealSeconds - before.stealSeconds);
        }
    }

    /** The machine's CPU seconds so far, busy and stolen read from one line of /proc/stat. */
    MachineCpu machine() throws IOException {
        String[] cpu = Files.readAllLines(Path.of("/proc/stat")).get(0).strip().split("\\s+");
        long busy = 0;
        for (int field : BUSY_FIELDS) {
            busy += Long.parseLong(cpu[field]);
        }
        return new MachineCpu(busy / (double) clockTicks, Long.parseLong(cpu[STEAL_FIELD]) / (double) clockTicks);
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
