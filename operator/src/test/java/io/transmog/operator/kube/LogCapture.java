package io.transmog.operator.kube;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

import org.jboss.logmanager.ExtLogRecord;

/**
 * Everything logged in this JVM (runner, engine, operator, clients) while installed, formatted, for tests that
 * check what a log must never contain.
 */
final class LogCapture extends Handler implements AutoCloseable {

    private final List<String> lines = new ArrayList<>();
    private final SimpleFormatter fallback = new SimpleFormatter();

    static LogCapture install() {
        LogCapture capture = new LogCapture();
        capture.setLevel(Level.ALL);
        Logger.getLogger("").addHandler(capture);
        return capture;
    }

    @Override
    public synchronized void publish(LogRecord record) {
        String message = record instanceof ExtLogRecord ext ? ext.getFormattedMessage() : fallback.formatMessage(record);
        StringBuilder line = new StringBuilder().append(record.getLevel()).append(' ').append(record.getLoggerName())
                .append(": ").append(message);
        for (Throwable t = record.getThrown(); t != null; t = t.getCause()) {
            line.append(" | ").append(t);
        }
        lines.add(line.toString());
    }

    synchronized List<String> lines() {
        return List.copyOf(lines);
    }

    synchronized String all() {
        return String.join("\n", lines);
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        Logger.getLogger("").removeHandler(this);
    }
}
