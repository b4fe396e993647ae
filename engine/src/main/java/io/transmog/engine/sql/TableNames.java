package io.transmog.engine.sql;

/** The tables one migration touches, named as gh-ost names them. */
public record TableNames(String database, String original, String ghost, String changelog, String old) {
    public static TableNames of(String database, String table) {
        return new TableNames(database, table, "_" + table + "_gho", "_" + table + "_ghc", "_" + table + "_del");
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
}
