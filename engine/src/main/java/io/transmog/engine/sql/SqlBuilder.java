package io.transmog.engine.sql;

import io.transmog.engine.db.ServerKind;
import io.transmog.engine.inspect.MigrationPlan;
import io.transmog.engine.sql.BoundStatement.Binding;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

/**
 * Every statement the engine runs against the migrated tables is generated here, from
 * the plan and the kind of server: identifiers are always quoted, values always bound.
 */
public final class SqlBuilder {
    /** Marks the cut-over sentry, so a leftover one is recognised as ours and only then dropped. */
    public static final String SENTRY_COMMENT = "transmog cut-over sentry";

    private final TableNames names;
    private final List<KeyColumn> key;
    private final String copyTargetColumns;
    private final String copySourceColumns;
    private final String keyIndexHint;
    /** The locking-read clause of the copy and the re-sync, in this server's words. */
    private final String sharedLock;
    private final ServerKind server;

    public SqlBuilder(MigrationPlan plan, ServerKind server) {
        this.server = server;
        this.names = plan.names();
        this.sharedLock = sharedLock(server);
        this.key = plan.keyColumns();
        this.copyTargetColumns = plan.copiedColumns().stream()
                .map(c -> Identifiers.quote(c.ghost())).collect(Collectors.joining(", "));
        this.copySourceColumns = plan.copiedColumns().stream()
                .map(c -> Identifiers.quote(c.original())).collect(Collectors.joining(", "));
        this.keyIndexHint = " FORCE INDEX (" + Identifiers.quote(plan.chunkKey().name()) + ")";
    }

    /** The server these statements are written for. */
    public ServerKind server() {
        return server;
    }

    /**
     * A locking read that takes shared row locks: MySQL 8 names it {@code FOR SHARE} (the old {@code LOCK IN SHARE
     * MODE} is deprecated there); MariaDB knows only {@code LOCK IN SHARE MODE}.
     */
    static String sharedLock(ServerKind server) {
        return server.hasForShare() ? " FOR SHARE" : " LOCK IN SHARE MODE";
    }

    /**
     * The binary log's current file and position (columns 1 and 2): {@code SHOW BINARY LOG STATUS} on MySQL 8.2 and
     * later (8.4 removed the old name), {@code SHOW MASTER STATUS} on MariaDB and older MySQL.
     */
    /** Every transaction in the server's binlog as a GTID set: MySQL's gtid_executed, MariaDB's gtid_binlog_pos. */
    public static String gtidSet(ServerKind server) {
        return server.isMySql() ? "SELECT @@GLOBAL.gtid_executed" : "SELECT @@GLOBAL.gtid_binlog_pos";
    }

    public static String binlogStatus(ServerKind server) {
        return server.hasBinaryLogStatus() ? "SHOW BINARY LOG STATUS" : "SHOW MASTER STATUS";
    }

    /** The state of one connection (placeholder: its id), to see a RENAME queue on a metadata lock. */
    public static final String CONNECTION_STATE = "SELECT STATE FROM information_schema.PROCESSLIST WHERE ID = ?";

    public static final String SESSION_SQL_MODE = "SELECT @@SESSION.sql_mode";
    public static final String SET_SESSION_SQL_MODE = "SET SESSION sql_mode = ?";

    /** A table's triggers, in the order they fire; placeholders: schema, table. */
    public static String readTriggers() {
        return "SELECT TRIGGER_NAME, ACTION_TIMING, EVENT_MANIPULATION, ACTION_STATEMENT, SQL_MODE FROM information_schema.TRIGGERS"
                + " WHERE EVENT_OBJECT_SCHEMA = ? AND EVENT_OBJECT_TABLE = ? ORDER BY EVENT_MANIPULATION, ACTION_TIMING, ACTION_ORDER";
    }

    /**
     * A trigger with the body of one read from information_schema. Timing and event are checked words, never other
     * text; the body comes from the server's own catalogue, defined by someone allowed to define triggers there.
     */
    public static String createTrigger(String qualifiedName, String timing, String event, String qualifiedTable, String body) {
        if (!timing.matches("(?i)BEFORE|AFTER") || !event.matches("(?i)INSERT|UPDATE|DELETE")) {
            throw new IllegalArgumentException("not a trigger timing and event: " + timing + " " + event);
        }
        return "CREATE TRIGGER " + qualifiedName + " " + timing + " " + event + " ON " + qualifiedTable + " FOR EACH ROW " + body;
    }

    public static String dropTriggerIfExists(String qualifiedName) {
        return "DROP TRIGGER IF EXISTS " + qualifiedName;
    }

    public static String lockTablesWrite(List<String> qualifiedTables) {
        return "LOCK TABLES " + qualifiedTables.stream().map(t -> t + " WRITE").collect(Collectors.joining(", "));
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

    public String analyzeGhost() {
        return "ANALYZE TABLE " + names.qualifiedGhost();
    }

    public String createChangelog() {
        return "CREATE TABLE " + names.qualifiedChangelog() + " ("
                + "`hint` VARCHAR(64) CHARACTER SET ascii NOT NULL PRIMARY KEY, "
                + "`value` MEDIUMTEXT CHARACTER SET utf8mb4 NOT NULL, "
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

    /** Every key of the original, in key order: for small tables only (the mapping check's sample). */
    public String keysInOrder() {
        return "SELECT " + keySelect() + " FROM " + names.qualifiedOriginal() + keyIndexHint + " ORDER BY " + keyOrder("");
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
     * new or newer); the shared locks (LOCK IN SHARE MODE, FOR SHARE) make a concurrent
     * change to a copied row commit, and reach the binlog, only after this chunk.
     */
    public BoundStatement copyChunk(KeyTuple from, boolean fromInclusive, KeyTuple to) {
        List<Binding> bindings = new ArrayList<>();
        String where = range(from, fromInclusive, to, bindings, "");
        return new BoundStatement("INSERT IGNORE INTO " + names.qualifiedGhost() + " (" + copyTargetColumns + ")"
                + " SELECT " + copySourceColumns + " FROM " + names.qualifiedOriginal() + keyIndexHint
                + " WHERE " + where + sharedLock, bindings);
    }

    /**
     * Keys of the chunk's rows that are not in the ghost table. After a copy that reported a
     * duplicate on some other unique key, none means each duplicate was a row the applier
     * had already written; a key that stays missing however often the copy runs belongs to
     * a row that really collides with another on a new unique key.
     */
    public BoundStatement missingFromGhost(KeyTuple from, boolean fromInclusive, KeyTuple to) {
        List<Binding> bindings = new ArrayList<>();
        String where = range(from, fromInclusive, to, bindings, "o.");
        String sameKey = key.stream()
                .map(k -> "g." + Identifiers.quote(k.ghost().name()) + " = o." + Identifiers.quote(k.original().name()))
                .collect(Collectors.joining(" AND "));
        return new BoundStatement("SELECT " + keySelect() + " FROM " + names.qualifiedOriginal() + " o" + keyIndexHint
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
                + " WHERE " + where + sharedLock, bindings);
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

    /**
     * The one-connection cut-over (MySQL 8.0.13+): WRITE on both tables, because a RENAME under LOCK TABLES needs
     * every renamed table WRITE-locked. Nobody else can read the original then, so this session itself re-syncs
     * the last changed keys into the ghost before it renames.
     */
    public String lockBothForSwap() {
        return lockTablesWrite(List.of(names.qualifiedOriginal(), names.qualifiedGhost()));
    }

    /** Stops writers to the original (readers go on) while checksums are aligned. */
    public String lockOriginalForRead() {
        return "LOCK TABLES " + names.qualifiedOriginal() + " READ";
    }

    /** The atomic swap; its target is the sentry's name, so it fails while the sentry exists. */
    public String swapTables() {
        return "RENAME TABLE " + names.qualifiedOriginal() + " TO " + names.qualifiedSentry() + ", "
                + names.qualifiedGhost() + " TO " + names.qualifiedOriginal();
    }

    /** After the swap: the original, now under the sentry's name, gets gh-ost's old-table name. */
    public static String renameSwappedToOld(TableNames names) {
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
            if (key.get(i).kind() == KeyColumn.Kind.ENUM) {
                conjuncts.add(enumRange(i, lastOp, tuple, qualifier));
            } else {
                conjuncts.add(qualifier + column(i, false) + " " + lastOp + " " + placeholder(i, false));
                bindings.add(new Binding(key.get(i), tuple.values().get(i), false));
            }
            disjuncts.add(String.join(" AND ", conjuncts));
        }
        return disjuncts.size() == 1 ? disjuncts.get(0)
                : disjuncts.stream().map(d -> "(" + d + ")").collect(Collectors.joining(" OR "));
    }

    /**
     * {@code e op v} for an ENUM key column of the original, as the list of member numbers on that
     * side of {@code v} (0 is the empty "error" member, which sorts first): the server uses the
     * index for a list of an ENUM's numbers but not for a range over them, so every chunk would
     * scan the key from its start. The numbers are computed here, never taken from input.
     */
    private String enumRange(int i, String op, KeyTuple tuple, String qualifier) {
        long value = ((Number) tuple.values().get(i)).longValue();
        int members = key.get(i).original().members().size();
        long low = switch (op) {
            case ">" -> value + 1;
            case ">=" -> value;
            default -> 0;
        };
        long high = switch (op) {
            case "<" -> value - 1;
            case "<=" -> value;
            default -> members;
        };
        if (low > high) {
            return "FALSE";
        }
        return qualifier + column(i, false) + " IN (" + LongStream.rangeClosed(low, high).mapToObj(Long::toString)
                .collect(Collectors.joining(", ")) + ")";
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

    // ---------------------------------------------------------------------------------
    // Verification before cut-over (verify.ChecksumVerifier): checksums of ranges of the
    // chunking key on the original (alias o) and the ghost table (alias g), and re-copying
    // of ranges that differ. A null range bound is open. How columns and key columns are
    // projected between the two tables' types is VerifyProjection's.
    // ---------------------------------------------------------------------------------

    /**
     * The inclusive end of the verification chunk of {@code rows} rows of the original after {@code from} (exclusive;
     * null: from the first key), in canonical form, and the key after it: one row when the chunk ends with the table,
     * none when fewer rows remain; either way the chunk is the last, open-ended one.
     */
    public BoundStatement verifyChunkEnd(KeyTuple from, int rows) {
        List<Binding> bindings = new ArrayList<>();
        return new BoundStatement("SELECT " + keySelect() + " FROM " + originalRange(from, null, bindings)
                + " ORDER BY " + keyOrder("") + " LIMIT 2 OFFSET " + (rows - 1), bindings);
    }

    /** The checksum ({@link #rowChecksum}) of the original's rows in the range. */
    public BoundStatement checksumOriginalRange(KeyTuple from, KeyTuple to, String originalRow) {
        List<Binding> bindings = new ArrayList<>();
        return new BoundStatement(checksumOf(originalRow, originalRange(from, to, bindings)), bindings);
    }

    /** The same over the ghost rows in the range, compared in the ghost's key columns. */
    public BoundStatement checksumGhostRange(KeyTuple from, boolean fromInclusive, KeyTuple to, String ghostRow) {
        List<Binding> bindings = new ArrayList<>();
        return new BoundStatement(checksumOf(ghostRow, ghostRange(from, fromInclusive, to, bindings)), bindings);
    }

    /** The same over the ghost rows whose key matches a row of the original in the range. */
    public BoundStatement checksumGhostJoined(KeyTuple from, boolean fromInclusive, KeyTuple to, String ghostRow) {
        List<Binding> bindings = new ArrayList<>();
        return new BoundStatement(checksumOf(ghostRow, ghostJoined(from, fromInclusive, to, bindings)), bindings);
    }

    /**
     * Where transmog hashes the rows itself: the next chunk of the original after {@code from} (exclusive; null: from
     * the first key), the projected values of up to {@code rows + 1} rows in key order, each followed by its key in
     * canonical form. The chunk is the first {@code rows} of them, its end the last one's key; a further row only tells
     * that another chunk follows. So the chunk's own read finds its end.
     */
    public BoundStatement valuesOfOriginalChunk(KeyTuple from, int rows, List<String> originalTerms) {
        List<Binding> bindings = new ArrayList<>();
        return new BoundStatement(valuesOf(originalTerms, ", " + keySelect(), originalRange(from, null, bindings)
                + " ORDER BY " + keyOrder("") + " LIMIT " + (rows + 1L)), bindings);
    }

    /** The projected values of the ghost rows in the range, found by the ghost's key columns. */
    public BoundStatement valuesOfGhostRange(KeyTuple from, boolean fromInclusive, KeyTuple to, List<String> ghostTerms) {
        List<Binding> bindings = new ArrayList<>();
        return new BoundStatement(valuesOf(ghostTerms, "", ghostRange(from, fromInclusive, to, bindings)), bindings);
    }

    /** The projected values of the ghost rows whose key matches a row of the original in the range. */
    public BoundStatement valuesOfGhostJoined(KeyTuple from, boolean fromInclusive, KeyTuple to, List<String> ghostTerms) {
        List<Binding> bindings = new ArrayList<>();
        return new BoundStatement(valuesOf(ghostTerms, "", ghostJoined(from, fromInclusive, to, bindings)), bindings);
    }

    private String originalRange(KeyTuple from, KeyTuple to, List<Binding> bindings) {
        return names.qualifiedOriginal() + " o" + keyIndexHint + " WHERE " + verifyRange(from, false, to, null, bindings);
    }

    private String ghostRange(KeyTuple from, boolean fromInclusive, KeyTuple to, List<Binding> bindings) {
        return names.qualifiedGhost() + " g WHERE " + verifyRange(from, fromInclusive, to, "g.", bindings);
    }

    private String ghostJoined(KeyTuple from, boolean fromInclusive, KeyTuple to, List<Binding> bindings) {
        String where = verifyRange(from, fromInclusive, to, null, bindings);
        return names.qualifiedOriginal() + " o" + keyIndexHint + " STRAIGHT_JOIN " + names.qualifiedGhost() + " g ON "
                + ghostJoinCondition("g.") + " WHERE " + where;
    }

    /**
     * The terms as they are: read on a connection whose results the server sends unconverted (ChecksumVerifier sets
     * that), each arrives as the bytes a CAST(... AS BINARY) of it gives (a double as the digits that read back as it),
     * without the CAST's server work. With nothing to compare, rows are still counted.
     */
    private static String valuesOf(List<String> terms, String moreColumns, String from) {
        return "SELECT " + (terms.isEmpty() ? "1" : String.join(", ", terms)) + moreColumns + " FROM " + from;
    }

    /**
     * A row's 32-bit checksum over its projected values ({@code terms}, SQL on alias o or g), computed by the server:
     * the values joined by a separator, then a mask of which of the terms that {@code mayBeNull} are NULL (CONCAT_WS
     * skips a NULL, so without it (NULL, 'a') and ('a', NULL) were the same row). The separator is a binary string, so
     * the joined row is one too and holds each value's bytes as stored, in no character set conversion; a CAST(... AS
     * BINARY) of each value did the same for half again the server's CPU of the whole checksum (1M sysbench rows on
     * MariaDB 10.11: 1.07–1.26 s against 0.70–0.73 s). Shared by both tables' sides, so equal rows give equal
     * checksums. Without terms every row has the same one: rows are only counted.
     */
    public static String rowChecksum(List<String> terms, List<Boolean> mayBeNull) {
        if (terms.size() != mayBeNull.size()) {
            throw new IllegalArgumentException(terms.size() + " terms but " + mayBeNull.size() + " nullability flags");
        }
        List<String> parts = new ArrayList<>();
        List<String> nullMask = new ArrayList<>();
        for (int i = 0; i < terms.size(); i++) {
            parts.add(terms.get(i));
            if (mayBeNull.get(i)) {
                nullMask.add("ISNULL(" + terms.get(i) + ")");
            }
        }
        if (!nullMask.isEmpty()) {
            parts.add(nullMask.size() == 1 ? nullMask.get(0) : "CONCAT(" + String.join(", ", nullMask) + ")");
        }
        return parts.isEmpty() ? "CRC32('')" : "CRC32(CONCAT_WS(x'1f', " + String.join(", ", parts) + "))";
    }

    /**
     * A set of rows' checksum, whatever their order: their count, the XOR of their checksums and the sum of their
     * squares, all three computed by the server, so only one row per chunk and table comes back. The XOR shows any one
     * row that differs (unless its 32-bit checksums collide); CRC32 is linear over XOR, so the same wrong bytes in two
     * rows would cancel out of the XOR, but not out of the sum of squares. Each row's checksum is computed once, in a
     * derived table its LIMIT keeps from being merged into the aggregate (merged, every use computed it again).
     */
    private static String checksumOf(String row, String from) {
        return "SELECT COUNT(*), COALESCE(BIT_XOR(h), 0), COALESCE(SUM(h * h), 0) FROM (SELECT " + row + " AS h FROM " + from
                + " LIMIT 18446744073709551615) AS rows_checked";
    }

    public String countGhostRows() {
        return "SELECT COUNT(*) FROM " + names.qualifiedGhost();
    }

    /** Keys (in the original's canonical form, see KeyColumn) of ghost rows that have no row in the original. */
    public String ghostKeysMissingFromOriginal() {
        String select = key.stream().map(k -> VerifyProjection.originalKeyFromGhost(k, true).orElseThrow())
                .collect(Collectors.joining(", "));
        String sameKey = key.stream()
                .map(k -> "o." + Identifiers.quote(k.original().name()) + " = "
                        + VerifyProjection.originalKeyFromGhost(k, false).orElseThrow())
                .collect(Collectors.joining(" AND "));
        return "SELECT " + select + " FROM " + names.qualifiedGhost() + " g WHERE NOT EXISTS (SELECT 1 FROM "
                + names.qualifiedOriginal() + " o" + keyIndexHint + " WHERE " + sameKey + ")";
    }

    /** Repair, first half: the ghost rows of a range, found by the ghost's key columns. */
    public BoundStatement deleteGhostRange(KeyTuple from, boolean fromInclusive, KeyTuple to) {
        List<Binding> bindings = new ArrayList<>();
        // Unaliased: a DELETE of an alias needs a default database on MariaDB (error 1046).
        String where = verifyRange(from, fromInclusive, to, names.qualifiedGhost() + ".", bindings);
        return new BoundStatement("DELETE FROM " + names.qualifiedGhost() + " WHERE " + where, bindings);
    }

    /** Repair, first half, when the key's order changes: the ghost rows of the original's rows in the range. */
    public BoundStatement deleteGhostJoined(KeyTuple from, boolean fromInclusive, KeyTuple to) {
        List<Binding> bindings = new ArrayList<>();
        String where = verifyRange(from, fromInclusive, to, null, bindings);
        return new BoundStatement("DELETE " + names.qualifiedGhost() + " FROM " + names.qualifiedOriginal() + " AS o" + keyIndexHint
                + " STRAIGHT_JOIN " + names.qualifiedGhost() + " ON " + ghostJoinCondition(names.qualifiedGhost() + ".")
                + " WHERE " + where, bindings);
    }

    /** Repair, second half: the range's current rows from the original, converted by the server. */
    public BoundStatement copyRange(KeyTuple from, boolean fromInclusive, KeyTuple to) {
        List<Binding> bindings = new ArrayList<>();
        String where = verifyRange(from, fromInclusive, to, null, bindings);
        return new BoundStatement("INSERT INTO " + names.qualifiedGhost() + " (" + copyTargetColumns + ")"
                + " SELECT " + copySourceColumns + " FROM " + names.qualifiedOriginal() + " o" + keyIndexHint
                + " WHERE " + where + sharedLock, bindings);
    }

    /** A range on the original's key columns (alias o), or with {@code ghostQualifier} on the ghost's. */
    private String verifyRange(KeyTuple from, boolean fromInclusive, KeyTuple to, String ghostQualifier, List<Binding> bindings) {
        List<String> conditions = new ArrayList<>();
        if (from != null) {
            String op = fromInclusive ? ">=" : ">";
            conditions.add("(" + (ghostQualifier != null ? ghostComparison(from, op, ghostQualifier, bindings)
                    : comparison(from, op, "o.", bindings)) + ")");
        }
        if (to != null) {
            conditions.add("(" + (ghostQualifier != null ? ghostComparison(to, "<=", ghostQualifier, bindings)
                    : comparison(to, "<=", "o.", bindings)) + ")");
        }
        return conditions.isEmpty() ? "TRUE" : String.join(" AND ", conditions);
    }

    /** {@link #comparison} on the ghost's key columns; only valid when {@link VerifyProjection#keyOrderDifference} finds none. */
    private String ghostComparison(KeyTuple tuple, String op, String qualifier, List<Binding> bindings) {
        String strict = op.substring(0, 1);
        List<String> disjuncts = new ArrayList<>();
        for (int i = 0; i < key.size(); i++) {
            List<String> conjuncts = new ArrayList<>();
            for (int j = 0; j < i; j++) {
                conjuncts.add(ghostKeyTerm(j, "=", tuple, qualifier, bindings));
            }
            conjuncts.add(ghostKeyTerm(i, i == key.size() - 1 ? op : strict, tuple, qualifier, bindings));
            disjuncts.add(String.join(" AND ", conjuncts));
        }
        return disjuncts.size() == 1 ? disjuncts.get(0)
                : disjuncts.stream().map(d -> "(" + d + ")").collect(Collectors.joining(" OR "));
    }

    private String ghostKeyTerm(int i, String op, KeyTuple tuple, String qualifier, List<Binding> bindings) {
        KeyColumn column = key.get(i);
        bindings.add(new Binding(column, tuple.values().get(i), true));
        // A BINARY(n) key widened to BINARY(m) holds the value padded with zero bytes.
        String placeholder = column.kind() == KeyColumn.Kind.BINARY && "binary".equals(column.ghost().dataType())
                && column.ghost().fixedBinaryLength() != column.original().fixedBinaryLength()
                ? "CAST(? AS BINARY(" + column.ghost().fixedBinaryLength() + "))"
                : column.ghostPlaceholder();
        return qualifier + Identifiers.quote(column.ghost().name()) + " " + op + " " + placeholder;
    }

    /** Only valid when {@link VerifyProjection#keyJoinProblem} finds none. */
    private String ghostJoinCondition(String ghostQualifier) {
        return key.stream()
                .map(k -> ghostQualifier + Identifiers.quote(k.ghost().name()) + " = "
                        + VerifyProjection.ghostKeyFromOriginal(k).orElseThrow())
                .collect(Collectors.joining(" AND "));
    }
}
