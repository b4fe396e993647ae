package io.transmog.engine.sql;

import io.transmog.engine.inspect.MigrationPlan;
import io.transmog.engine.sql.BoundStatement.Binding;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Every statement the engine runs against the migrated tables is generated here, from
 * the plan: identifiers are always quoted, values always bound.
 */
public final class SqlBuilder {
    /** Marks the cut-over sentry, so a leftover one is recognised as ours and only then dropped. */
    public static final String SENTRY_COMMENT = "transmog cut-over sentry";

    private final TableNames names;
    private final List<KeyColumn> key;
    private final String copyTargetColumns;
    private final String copySourceColumns;
    private final String keyIndexHint;

    public SqlBuilder(MigrationPlan plan) {
        this.names = plan.names();
        this.key = plan.keyColumns();
        this.copyTargetColumns = plan.copiedColumns().stream()
                .map(c -> Identifiers.quote(c.ghost())).collect(Collectors.joining(", "));
        this.copySourceColumns = plan.copiedColumns().stream()
                .map(c -> Identifiers.quote(c.original())).collect(Collectors.joining(", "));
        this.keyIndexHint = " FORCE INDEX (" + Identifiers.quote(plan.chunkKey().name()) + ")";
    }

    public static String createTableLike(String qualifiedNew, String qualifiedExisting) {
        return "CREATE TABLE " + qualifiedNew + " LIKE " + qualifiedExisting;
    }

    public static String alterTable(String qualifiedTable, String alterClauses) {
        return "ALTER TABLE " + qualifiedTable + " " + alterClauses;
    }

    public static String dropTableIfExists(String qualifiedTable) {
        return "DROP TABLE IF EXISTS " + qualifiedTable;
    }

    public String createGhost() {
        return createTableLike(names.qualifiedGhost(), names.qualifiedOriginal());
    }

    public String setGhostAutoIncrement(long next) {
        return "ALTER TABLE " + names.qualifiedGhost() + " AUTO_INCREMENT = " + next;
    }

    public String createChangelog() {
        return "CREATE TABLE " + names.qualifiedChangelog() + " ("
                + "`hint` VARCHAR(64) CHARACTER SET ascii NOT NULL PRIMARY KEY, "
                + "`value` VARCHAR(4096) CHARACTER SET utf8mb4 NOT NULL, "
                + "`updated_at` TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6)"
                + ") ENGINE=InnoDB COMMENT='transmog changelog: heartbeats, state and cut-over markers'";
    }

    public BoundStatement writeChangelog(String hint, String value) {
        return new BoundStatement("INSERT INTO " + names.qualifiedChangelog() + " (`hint`, `value`) VALUES (?, ?)"
                + " ON DUPLICATE KEY UPDATE `value` = VALUES(`value`)",
                List.of(Binding.plain(hint), Binding.plain(value)));
    }

    private String keySelect() {
        return key.stream().map(KeyColumn::boundarySelect).collect(Collectors.joining(", "));
    }

    private String keyOrder(String direction) {
        return key.stream().map(k -> Identifiers.quote(k.original().name()) + direction).collect(Collectors.joining(", "));
    }

    /** The first or last key of the original, in canonical form. */
    public String edgeKey(boolean last) {
        return "SELECT " + keySelect() + " FROM " + names.qualifiedOriginal() + keyIndexHint
                + " ORDER BY " + keyOrder(last ? " DESC" : "") + " LIMIT 1";
    }

    /**
     * The key {@code rows} rows into the range that starts at {@code from} and ends at
     * {@code last}: the inclusive end of the next chunk, or no row for the final chunk.
     */
    public BoundStatement chunkEnd(KeyTuple from, boolean fromInclusive, KeyTuple last, int rows) {
        List<Binding> bindings = new ArrayList<>();
        String sql = "SELECT " + keySelect() + " FROM " + names.qualifiedOriginal() + keyIndexHint
                + " WHERE " + range(from, fromInclusive, last, bindings, "")
                + " ORDER BY " + keyOrder("") + " LIMIT 1 OFFSET " + (rows - 1);
        return new BoundStatement(sql, bindings);
    }

    private String range(KeyTuple from, boolean fromInclusive, KeyTuple to, List<Binding> bindings, String qualifier) {
        return "(" + comparison(from, fromInclusive ? ">=" : ">", qualifier, bindings) + ") AND ("
                + comparison(to, "<=", qualifier, bindings) + ")";
    }

    /**
     * Copies one chunk. INSERT IGNORE keeps rows the applier already wrote (they are as
     * new or newer); LOCK IN SHARE MODE makes a concurrent change to a copied row commit,
     * and reach the binlog, only after this chunk.
     */
    public BoundStatement copyChunk(KeyTuple from, boolean fromInclusive, KeyTuple to) {
        List<Binding> bindings = new ArrayList<>();
        String where = range(from, fromInclusive, to, bindings, "");
        return new BoundStatement("INSERT IGNORE INTO " + names.qualifiedGhost() + " (" + copyTargetColumns + ")"
                + " SELECT " + copySourceColumns + " FROM " + names.qualifiedOriginal() + keyIndexHint
                + " WHERE " + where + " LOCK IN SHARE MODE", bindings);
    }

    /**
     * Rows of a chunk that are not in the ghost table. After a copy that reported a
     * duplicate on some other unique key, zero means each duplicate was a row the applier
     * had already written; more means two rows really collide on a new unique key.
     */
    public BoundStatement countMissingFromGhost(KeyTuple from, boolean fromInclusive, KeyTuple to) {
        List<Binding> bindings = new ArrayList<>();
        String where = range(from, fromInclusive, to, bindings, "o.");
        String sameKey = key.stream()
                .map(k -> "g." + Identifiers.quote(k.ghost().name()) + " = o." + Identifiers.quote(k.original().name()))
                .collect(Collectors.joining(" AND "));
        return new BoundStatement("SELECT COUNT(*) FROM " + names.qualifiedOriginal() + " o" + keyIndexHint
                + " WHERE " + where
                + " AND NOT EXISTS (SELECT 1 FROM " + names.qualifiedGhost() + " g WHERE " + sameKey + ")", bindings);
    }

    /** First half of re-syncing changed keys: remove whatever the ghost has for them. */
    public BoundStatement deleteFromGhost(List<KeyTuple> keys) {
        List<Binding> bindings = new ArrayList<>();
        String where = keyMatch(keys, true, bindings);
        return new BoundStatement("DELETE FROM " + names.qualifiedGhost() + " WHERE " + where, bindings);
    }

    /** Second half: insert the keys' current rows from the original, converted by the server. */
    public BoundStatement insertFromOriginal(List<KeyTuple> keys) {
        List<Binding> bindings = new ArrayList<>();
        String where = keyMatch(keys, false, bindings);
        return new BoundStatement("INSERT INTO " + names.qualifiedGhost() + " (" + copyTargetColumns + ")"
                + " SELECT " + copySourceColumns + " FROM " + names.qualifiedOriginal() + keyIndexHint
                + " WHERE " + where + " LOCK IN SHARE MODE", bindings);
    }

    public String createSentry() {
        return "CREATE TABLE " + names.qualifiedSentry() + " (`id` INT NOT NULL PRIMARY KEY) ENGINE=InnoDB COMMENT='"
                + SENTRY_COMMENT + "'";
    }

    /**
     * READ on the original stops its writers but lets the applier still read it to
     * re-sync the last keys; WRITE on the sentry lets this session drop it later.
     */
    public String lockForCutOver() {
        return "LOCK TABLES " + names.qualifiedOriginal() + " READ, " + names.qualifiedSentry() + " WRITE";
    }

    /** The atomic swap; its target is the sentry's name, so it fails while the sentry exists. */
    public String swapTables() {
        return "RENAME TABLE " + names.qualifiedOriginal() + " TO " + names.qualifiedSentry() + ", "
                + names.qualifiedGhost() + " TO " + names.qualifiedOriginal();
    }

    /** After the swap: the original, now under the sentry's name, gets gh-ost's old-table name. */
    public String renameSwappedToOld() {
        return "RENAME TABLE " + names.qualifiedSentry() + " TO " + names.qualifiedOld();
    }

    /**
     * {@code (k1 op v1)} generalised to composite keys as {@code (k1 > v1) OR (k1 = v1 AND
     * k2 op v2) ...}: row constructors are not always range-optimised.
     */
    private String comparison(KeyTuple tuple, String op, String qualifier, List<Binding> bindings) {
        String strict = op.substring(0, 1);
        List<String> disjuncts = new ArrayList<>();
        for (int i = 0; i < key.size(); i++) {
            List<String> conjuncts = new ArrayList<>();
            for (int j = 0; j < i; j++) {
                conjuncts.add(qualifier + equality(j, tuple, false, bindings));
            }
            String lastOp = i == key.size() - 1 ? op : strict;
            conjuncts.add(qualifier + column(i, false) + " " + lastOp + " " + placeholder(i, false));
            bindings.add(new Binding(key.get(i), tuple.values().get(i), false));
            disjuncts.add(String.join(" AND ", conjuncts));
        }
        return disjuncts.size() == 1 ? disjuncts.get(0)
                : disjuncts.stream().map(d -> "(" + d + ")").collect(Collectors.joining(" OR "));
    }

    private String keyMatch(List<KeyTuple> keys, boolean onGhost, List<Binding> bindings) {
        if (key.size() == 1) {
            List<String> placeholders = new ArrayList<>();
            for (KeyTuple tuple : keys) {
                placeholders.add(placeholder(0, onGhost));
                bindings.add(new Binding(key.get(0), tuple.values().get(0), onGhost));
            }
            return column(0, onGhost) + " IN (" + String.join(", ", placeholders) + ")";
        }
        List<String> disjuncts = new ArrayList<>();
        for (KeyTuple tuple : keys) {
            List<String> conjuncts = new ArrayList<>();
            for (int i = 0; i < key.size(); i++) {
                conjuncts.add(equality(i, tuple, onGhost, bindings));
            }
            disjuncts.add("(" + String.join(" AND ", conjuncts) + ")");
        }
        return String.join(" OR ", disjuncts);
    }

    private String equality(int i, KeyTuple tuple, boolean onGhost, List<Binding> bindings) {
        bindings.add(new Binding(key.get(i), tuple.values().get(i), onGhost));
        return column(i, onGhost) + " = " + placeholder(i, onGhost);
    }

    private String column(int i, boolean onGhost) {
        KeyColumn column = key.get(i);
        return Identifiers.quote(onGhost ? column.ghost().name() : column.original().name());
    }

    private String placeholder(int i, boolean onGhost) {
        return onGhost ? key.get(i).ghostPlaceholder() : key.get(i).originalPlaceholder();
    }
}
