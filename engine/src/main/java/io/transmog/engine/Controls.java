package io.transmog.engine;

import io.transmog.engine.throttle.LoadThresholds;

/**
 * The knobs that may change while a migration runs, read by the migration loop on
 * every step. The CLI, the interactive socket and the operator's runner all steer a
 * migration through this one object.
 */
public final class Controls {
    /** Duplicate warnings of a chunk are counted one by one; the session keeps at most 65535. */
    public static final int MAX_CHUNK_SIZE = 50_000;
    public static final int MIN_CHUNK_SIZE = 10;
    /** The copy's default chunk time: chunks grow or shrink toward it from the configured size ({@code ChunkSizer}). */
    public static final int DEFAULT_CHUNK_TIME_MILLIS = 50;
    public static final int MAX_CHUNK_TIME_MILLIS = 10_000;
    /** Each stream holds a connection and one chunk's rows; more than a few only crowd the server. */
    public static final int MAX_COPY_THREADS = 16;
    private volatile boolean paused;
    private volatile boolean postponeCutOver;
    private volatile int chunkSize;
    private volatile int chunkTimeMillis;
    private volatile int copyThreads = 2;
    private volatile double niceRatio;
    private volatile long maxLagMillis;
    private volatile LoadThresholds maxLoad;
    private volatile LoadThresholds criticalLoad;
    private volatile long criticalLoadHibernateSeconds;
    private volatile String throttleQuery;
    private volatile String cancelReason;

    public Controls(int chunkSize, double niceRatio, long maxLagMillis, LoadThresholds maxLoad, LoadThresholds criticalLoad) {
        setChunkSize(chunkSize);
        setNiceRatio(niceRatio);
        setMaxLagMillis(maxLagMillis);
        this.maxLoad = maxLoad;
        this.criticalLoad = criticalLoad;
    }

    public boolean paused() {
        return paused;
    }

    public void setPaused(boolean paused) {
        this.paused = paused;
    }

    public boolean postponeCutOver() {
        return postponeCutOver;
    }

    public void setPostponeCutOver(boolean postpone) {
        this.postponeCutOver = postpone;
    }

    public int chunkSize() {
        return chunkSize;
    }

    public void setChunkSize(int chunkSize) {
        if (chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) {
            throw new MigrationException("chunk size must be between " + MIN_CHUNK_SIZE + " and " + MAX_CHUNK_SIZE + ", got " + chunkSize);
        }
        this.chunkSize = chunkSize;
    }

    /**
     * The time each copy chunk should take: the copy grows or shrinks its chunks toward it, starting from
     * {@link #chunkSize()}; 0 copies every chunk at {@link #chunkSize()}, as gh-ost does.
     */
    public int chunkTimeMillis() {
        return chunkTimeMillis;
    }

    /**
     * The chunk time a migration starts with: the one asked for; else none when a chunk size was asked for (gh-ost's
     * users expect every chunk to have that size); else {@link #DEFAULT_CHUNK_TIME_MILLIS}.
     */
    public static int initialChunkTimeMillis(Integer asked, boolean chunkSizeAsked) {
        if (asked != null) {
            return asked;
        }
        return chunkSizeAsked ? 0 : DEFAULT_CHUNK_TIME_MILLIS;
    }

    public void setChunkTimeMillis(int chunkTimeMillis) {
        if (chunkTimeMillis < 0 || chunkTimeMillis > MAX_CHUNK_TIME_MILLIS) {
            throw new MigrationException("chunk time must be between 0 (fixed chunk size) and " + MAX_CHUNK_TIME_MILLIS
                    + " ms, got " + chunkTimeMillis);
        }
        this.chunkTimeMillis = chunkTimeMillis;
    }

    /** Chunks copied at once, each on its own connection; 1 copies them one after the other, as gh-ost does. */
    public int copyThreads() {
        return copyThreads;
    }

    public void setCopyThreads(int copyThreads) {
        if (copyThreads < 1 || copyThreads > MAX_COPY_THREADS) {
            throw new MigrationException("copy threads must be between 1 and " + MAX_COPY_THREADS + ", got " + copyThreads);
        }
        this.copyThreads = copyThreads;
    }

    public double niceRatio() {
        return niceRatio;
    }

    /**
     * How long the copy rests after a chunk that took {@code chunkNanos}: the nice ratio times as long, as gh-ost's
     * {@code --nice-ratio}. In nanoseconds: a chunk of a narrow table on a quiet server takes under a millisecond, and
     * whole milliseconds gave it no rest at all.
     */
    public long niceRestNanos(long chunkNanos) {
        return (long) (chunkNanos * niceRatio);
    }

    public void setNiceRatio(double niceRatio) {
        if (niceRatio < 0 || niceRatio > 100) {
            throw new MigrationException("nice ratio must be between 0 and 100, got " + niceRatio);
        }
        this.niceRatio = niceRatio;
    }

    public long maxLagMillis() {
        return maxLagMillis;
    }

    public void setMaxLagMillis(long maxLagMillis) {
        if (maxLagMillis < 100) {
            throw new MigrationException("max lag must be at least 100 ms, got " + maxLagMillis);
        }
        this.maxLagMillis = maxLagMillis;
    }

    public LoadThresholds maxLoad() {
        return maxLoad;
    }

    public void setMaxLoad(LoadThresholds maxLoad) {
        this.maxLoad = maxLoad;
    }

    public LoadThresholds criticalLoad() {
        return criticalLoad;
    }

    public void setCriticalLoad(LoadThresholds criticalLoad) {
        this.criticalLoad = criticalLoad;
    }

    /**
     * When non-zero, reaching the critical load does not abort: all copying and applying
     * stops for this many seconds (no status queries either), then the load is checked again.
     */
    public long criticalLoadHibernateSeconds() {
        return criticalLoadHibernateSeconds;
    }

    public void setCriticalLoadHibernateSeconds(long seconds) {
        if (seconds < 0 || seconds > 86_400) {
            throw new MigrationException("critical-load hibernate seconds must be between 0 and 86400, got " + seconds);
        }
        this.criticalLoadHibernateSeconds = seconds;
    }

    /** gh-ost's --throttle-query: a SELECT whose first value, when above zero, throttles; null when unset. */
    public String throttleQuery() {
        return throttleQuery;
    }

    /** Accepts one SELECT statement (no semicolon), or null/blank to remove the query. */
    public void setThrottleQuery(String query) {
        if (query == null || query.isBlank()) {
            this.throttleQuery = null;
            return;
        }
        String trimmed = query.strip();
        if (!trimmed.regionMatches(true, 0, "SELECT", 0, 6) || trimmed.length() == 6
                || !Character.isWhitespace(trimmed.charAt(6)) && trimmed.charAt(6) != '(') {
            throw new MigrationException("throttle query must be a SELECT statement, got \"" + trimmed + "\"");
        }
        if (trimmed.indexOf(';') >= 0) {
            throw new MigrationException("throttle query must be a single SELECT statement without ';'");
        }
        this.throttleQuery = trimmed;
    }

    /** Asks the migration to stop and clean up (SIGTERM, resource deletion). */
    public void cancel(String reason) {
        this.cancelReason = reason;
    }

    public String cancelReason() {
        return cancelReason;
    }
}
