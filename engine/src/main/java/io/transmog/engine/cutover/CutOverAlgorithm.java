package io.transmog.engine.cutover;

import io.transmog.engine.MigrationException;
import io.transmog.engine.db.ServerKind;

/** How the tables are swapped; see {@link CutOver}. */
public enum CutOverAlgorithm {
    /** The best one the server supports: {@link #resolve}. */
    AUTOMATIC,
    /**
     * gh-ost's two connections: a READ lock and a sentry table hold writers back while a second connection's RENAME
     * queues first. Every server.
     */
    SENTRY,
    /**
     * One connection WRITE-locks the original and the ghost, re-syncs the last changed keys itself, renames and
     * unlocks. MySQL 8.0.13 and later only.
     */
    LOCK_AND_RENAME;

    /**
     * The algorithm to run on this server. {@link #AUTOMATIC} picks LOCK_AND_RENAME where the server allows it: on
     * MySQL 9.7 here it stalled writes about half as long as the sentry's (see README, "Cut-over"), because it
     * needs no sentry to drop, no second connection to watch and no hand-over between them.
     */
    public CutOverAlgorithm resolve(ServerKind server) {
        return switch (this) {
            case AUTOMATIC -> server.renamesUnderLockTables() ? LOCK_AND_RENAME : SENTRY;
            case SENTRY -> SENTRY;
            case LOCK_AND_RENAME -> {
                if (!server.renamesUnderLockTables()) {
                    throw new MigrationException("the one-connection cut-over (RENAME under LOCK TABLES) needs MySQL 8.0.13"
                            + " or later; " + server.describe() + " refuses it");
                }
                yield LOCK_AND_RENAME;
            }
        };
    }
}
