package io.transmog.operator.runner;

/**
 * The runner's threads: daemons, so that none keeps the JVM alive once {@link RunnerCommand} returns (a SIGTERM
 * halts the JVM regardless).
 */
final class DaemonThreads {

    private DaemonThreads() {
    }

    static Thread start(String name, Runnable work) {
        Thread thread = new Thread(work, name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }
}
