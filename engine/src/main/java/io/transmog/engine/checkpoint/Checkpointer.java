package io.transmog.engine.checkpoint;

import io.transmog.engine.binlog.BinlogPosition;
import io.transmog.engine.binlog.Changelog;
import io.transmog.engine.sql.KeyTuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;

/**
 * Writes checkpoints to the changelog table, the caller making them consistent: every
 * interval, and also whenever another 2% of the table has been copied since the last one,
 * so a crash costs at most that much copying again however fast the copy runs.
 */
public final class Checkpointer {
    private static final Logger LOG = LoggerFactory.getLogger(Checkpointer.class);

    private final Changelog changelog;
    private final String alter;
    private final String ghostSchema;
    private final long intervalMillis;
    private final long rowsBetween;
    private long lastWrittenMillis = System.currentTimeMillis();
    private long lastRowsCopied;

    public Checkpointer(Changelog changelog, String alter, String ghostSchema, long intervalMillis, long estimatedRows) {
        this.changelog = changelog;
        this.alter = alter;
        this.ghostSchema = ghostSchema;
        this.intervalMillis = intervalMillis;
        this.rowsBetween = Math.max(1000, estimatedRows / 50);
    }

    public boolean due(long rowsCopied) {
        return System.currentTimeMillis() - lastWrittenMillis >= intervalMillis || rowsCopied - lastRowsCopied >= rowsBetween;
    }

    public void write(BinlogPosition boundary, String gtid, KeyTuple copiedUpTo, boolean copyDone, long rowsCopied,
                      long eventsApplied) throws SQLException {
        Checkpoint checkpoint = new Checkpoint(alter, ghostSchema, boundary, gtid, copiedUpTo, copyDone, rowsCopied, eventsApplied);
        changelog.writeCheckpoint(checkpoint.toJson());
        lastWrittenMillis = System.currentTimeMillis();
        lastRowsCopied = rowsCopied;
        LOG.debug("checkpoint at {}: {} rows copied", boundary, rowsCopied);
    }
}
