package io.transmog.engine.binlog;

import io.transmog.engine.db.Database;
import io.transmog.engine.sql.SqlBuilder;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The changelog table as a channel through the binlog: a row written here comes back
 * through the stream after every change committed before it. Heartbeats measure how far
 * behind the stream is; markers tell when everything before a moment has been seen.
 */
public final class Changelog {
    static final String HEARTBEAT = "heartbeat";
    static final String MARKER = "marker";
    public static final String CHECKPOINT = "checkpoint";

    private final Database database;
    private final SqlBuilder sql;
    private final Map<String, CompletableFuture<Void>> markers = new ConcurrentHashMap<>();
    private volatile long lastHeartbeatSeenMicros;
    private Connection connection;

    public Changelog(Database database, SqlBuilder sql) {
        this.database = database;
        this.sql = sql;
    }

    private synchronized void write(String hint, String value) throws SQLException {
        if (connection == null || !connection.isValid(2)) {
            if (connection != null) {
                connection.close();
            }
            connection = database.connect();
        }
        try (PreparedStatement statement = sql.writeChangelog(hint, value).prepare(connection)) {
            statement.executeUpdate();
        }
    }

    public void writeHeartbeat() throws SQLException {
        write(HEARTBEAT, Long.toString(nowMicros()));
    }

    public void writeCheckpoint(String value) throws SQLException {
        write(CHECKPOINT, value);
    }

    /** Writes a marker; the future completes when the stream has read it back. */
    public CompletableFuture<Void> writeMarker() throws SQLException {
        String token = UUID.randomUUID().toString();
        CompletableFuture<Void> seen = new CompletableFuture<>();
        markers.put(token, seen);
        try {
            write(MARKER, token);
        } catch (SQLException | RuntimeException e) {
            markers.remove(token);
            throw e;
        }
        return seen;
    }

    /** Called by the streamer for every changelog row it reads. */
    void onRow(String hint, String value) {
        if (HEARTBEAT.equals(hint)) {
            lastHeartbeatSeenMicros = Long.parseLong(value);
        } else if (MARKER.equals(hint)) {
            CompletableFuture<Void> seen = markers.remove(value);
            if (seen != null) {
                seen.complete(null);
            }
        }
    }

    /** Fails every waiter, so nobody waits for a stream that stopped. */
    void failWaiters(Throwable cause) {
        markers.values().forEach(f -> f.completeExceptionally(cause));
        markers.clear();
    }

    /**
     * How far the stream trails the server: the age of the newest heartbeat it has read
     * back (heartbeats are written every interval, so this never drops below it).
     */
    public long lagMillis() {
        long seen = lastHeartbeatSeenMicros;
        return seen == 0 ? 0 : Math.max(0, (nowMicros() - seen) / 1000);
    }

    private static long nowMicros() {
        return System.currentTimeMillis() * 1000;
    }

    public synchronized void close() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // closing after use; nothing left to protect
            }
            connection = null;
        }
        failWaiters(new IllegalStateException("changelog closed"));
    }

    static String stringValue(Object raw) {
        return raw instanceof byte[] bytes ? new String(bytes, java.nio.charset.StandardCharsets.UTF_8) : String.valueOf(raw);
    }
}
