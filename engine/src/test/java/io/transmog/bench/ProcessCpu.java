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

    /**
     * CPU seconds the whole machine has been busy so far, all cores together (/proc/stat: user, nice, system, irq,
     * softirq and steal time): over a run, against its wall time, how many of the cores were used. Steal (time a
     * hypervisor gave another guest while this one had work) counts as busy; {@link #machineStealSeconds()} tells it
     * apart. Ticks sampled per core, not each process's exact run time: the processes' own seconds can add up to a
     * few percent more.
     */
    double machineBusySeconds() throws IOException {
        return machineSeconds(1, 2, 3, 6, 7, 8);
    }

    /** The part of {@link #machineBusySeconds()} a hypervisor took. */
    double machineStealSeconds() throws IOException {
        return machineSeconds(8);
    }

    private double machineSeconds(int... fields) throws IOException {
        String[] cpu = Files.readAllLines(Path.of("/proc/stat")).get(0).strip().split("\\s+");
        long ticks = 0;
        for (int field : fields) {
            ticks += Long.parseLong(cpu[field]);
        }
        return ticks / (double) clockTicks;
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
