package io.transmog.engine;

import java.util.concurrent.ThreadFactory;

/** The engine's one thread factory: daemon threads (never keeping the JVM alive) with a name that shows in dumps. */
public final class DaemonThreads {
    private DaemonThreads() {
    }

    public static ThreadFactory named(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}
