package io.transmog.engine.sql;

/**
 * The tables one migration touches. Ghost, changelog and old table are named as gh-ost
 * names them. The cut-over sentry is {@code <table>$del}: it must sort after the table
 * itself, so that the swapping RENAME, which takes its metadata locks in name order,
 * queues on the table before it touches the sentry (see CutOver). gh-ost's
 * {@code _<table>_del} sorts before most table names.
 */
public record TableNames(String database, String original, String ghost, String changelog, String old, String sentry) {
    public static TableNames of(String database, String table) {
        return new TableNames(database, table, "_" + table + "_gho", "_" + table + "_ghc", "_" + table + "_del", table + "$del");
    }

    public String qualifiedOriginal() {
        return Identifiers.qualified(database, original);
    }

    public String qualifiedGhost() {
        return Identifiers.qualified(database, ghost);
    }

    public String qualifiedChangelog() {
        return Identifiers.qualified(database, changelog);
    }

    public String qualifiedOld() {
        return Identifiers.qualified(database, old);
    }

    public String qualifiedSentry() {
        return Identifiers.qualified(database, sentry);
    }
}
