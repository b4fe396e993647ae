package io.transmog.engine.inspect;

import io.transmog.engine.MigrationException;
import io.transmog.engine.db.Database;
import io.transmog.engine.inspect.MigrationPlan.ColumnPair;
import io.transmog.engine.sql.AlterClauses;
import io.transmog.engine.sql.Identifiers;
import io.transmog.engine.sql.KeyColumn;
import io.transmog.engine.sql.SqlBuilder;
import io.transmog.engine.sql.TableNames;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks that a migration can run safely and works out its plan, changing nothing:
 * the ALTER is tried on a session-private temporary copy of the table's definition.
 */
public final class Inspector {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Inspector.class);
    /** The table option after the closing parenthesis of SHOW CREATE TABLE. */
    private static final Pattern ENGINE_OPTION = Pattern.compile("\\) ENGINE=(\\w+)");
    private static final Pattern GENERATED = Pattern.compile("(VIRTUAL|STORED|PERSISTENT) GENERATED", Pattern.CASE_INSENSITIVE);
    private static final Pattern STORED = Pattern.compile("(STORED|PERSISTENT) GENERATED", Pattern.CASE_INSENSITIVE);

    private final Connection connection;
    private boolean discardForeignKeys;
    private boolean includeTriggers;

    public Inspector(Connection connection) {
        this.connection = connection;
    }

    /** gh-ost's --include-triggers: a table with triggers may be migrated (see cutover.GhostTriggers). */
    public Inspector includeTriggers(boolean include) {
        this.includeTriggers = include;
        return this;
    }

    /**
     * gh-ost's --discard-foreign-keys: a table's own (child-side) foreign keys are not carried to the new table, as
     * CREATE TABLE ... LIKE does not copy them; tables that other tables reference stay refused.
     */
    public Inspector discardForeignKeys(boolean discard) {
        this.discardForeignKeys = discard;
        return this;
    }

    /** Binary logging as the streamer needs it: on, row-based, full row images. */
    public void checkBinlog() throws SQLException {
        String logBin = variable("log_bin");
        if (!"ON".equalsIgnoreCase(logBin) && !"1".equals(logBin)) {
            throw new MigrationException("binary logging is off on the server (log_bin=" + logBin
                    + "): start it with --log-bin, binlog_format=ROW and binlog_row_image=FULL");
        }
        String format = variable("binlog_format");
        if (!"ROW".equalsIgnoreCase(format)) {
            throw new MigrationException("binlog_format is " + format + ", not ROW: row events are needed to follow changes; "
                    + "SET GLOBAL binlog_format = 'ROW' (and in my.cnf)");
        }
        String image = variable("binlog_row_image");
        if (!"FULL".equalsIgnoreCase(image)) {
            throw new MigrationException("binlog_row_image is " + image + ", not FULL: SET GLOBAL binlog_row_image = 'FULL'");
        }
    }

    /**
     * MySQL's {@code binlog_row_value_options=PARTIAL_JSON} logs in-place JSON edits as PARTIAL_UPDATE_ROWS events,
     * which the binlog library cannot read: refused up front when it is the server's default and the table has a
     * JSON column (only those are logged that way). A session that sets it on its own is caught by the stream.
     * Also a column type the binlog library cannot decode at all.
     */
    public void checkBinlogDecoding(io.transmog.engine.db.ServerKind server, TableSchema table) throws SQLException {
        if (!server.isMySql()) {
            return;
        }
        // MySQL 9's VECTOR has a binlog column type of its own that mysql-binlog-connector-java 0.30.1 cannot decode
        // (MariaDB's VECTOR is logged as bytes and decodes): none of the table's changes could be read.
        for (ColumnInfo column : table.columns()) {
            if ("vector".equals(column.dataType())) {
                throw new MigrationException("column " + column.name() + " is VECTOR, whose row changes the binlog reader"
                        + " (mysql-binlog-connector-java 0.30.1) cannot decode on MySQL: the table cannot be migrated online");
            }
        }
        if (table.columns().stream().noneMatch(c -> "json".equals(c.dataType()))) {
            return;
        }
        String options = variable("binlog_row_value_options");
        if (options.toUpperCase(Locale.ROOT).contains("PARTIAL_JSON")) {
            throw new MigrationException("binlog_row_value_options is " + options + ": updates of the table's JSON columns"
                    + " would be logged as partial JSON updates, which the binlog reader cannot decode, so their changes"
                    + " would be missed; SET GLOBAL binlog_row_value_options = '' (and in my.cnf) for the migration");
        }
    }

    private String variable(String name) throws SQLException {
        return Database.queryString(connection, "SELECT @@GLOBAL." + name).orElse("");
    }

    public MigrationPlan plan(TableNames names, AlterClauses alter, boolean approveRenamedColumns,
                              boolean exactRowCount) throws SQLException {
        requireBaseTable(names);
        requireNoForeignKeys(names);
        if (!includeTriggers) {
            requireNoTriggers(names);
        }
        TableSchema original = describe(names.database(), names.original());
        TableSchema ghost = describeAltered(names, alter);
        Matcher ghostEngine = ENGINE_OPTION.matcher(ghost.createStatement());
        if (ghostEngine.find()) {
            requireInnoDb("the altered table", ghostEngine.group(1));
        }

        Map<String, String> renamed = alter.renamedColumns();
        if (!renamed.isEmpty() && !approveRenamedColumns) {
            throw new MigrationException("the ALTER renames column(s) " + renamed
                    + ": pass --approve-renamed-columns to confirm the values move to the new name");
        }
        ColumnMapping mapping = new ColumnMapping(original, ghost, alter);
        List<ColumnPair> copied = new ArrayList<>();
        List<String> added = new ArrayList<>();
        for (ColumnInfo target : ghost.columns()) {
            if (target.generated()) {
                continue;
            }
            Optional<ColumnInfo> source = mapping.sourceOf(target.name());
            if (source.isPresent()) {
                copied.add(new ColumnPair(source.get().name(), target.name()));
            } else {
                added.add(target.name());
            }
        }
        List<String> dropped = original.columns().stream()
                .filter(column -> mapping.ghostOf(column.name()).isEmpty())
                .map(ColumnInfo::name)
                .toList();

        UniqueKey chunkKey = sharedKey(original, ghost, mapping);
        List<KeyColumn> keyColumns = chunkKey.columns().stream()
                .map(name -> new KeyColumn(original.requireColumn(name), mapping.ghostOf(name).orElseThrow()))
                .toList();
        return new MigrationPlan(names, alter.text(), original, ghost, chunkKey, ghostKey(chunkKey, original, ghost, mapping).orElseThrow(),
                keyColumns, List.copyOf(copied),
                List.copyOf(added), dropped, renamed, estimateRows(names, exactRowCount));
    }

    private void requireBaseTable(TableNames names) throws SQLException {
        Optional<String> type = Database.queryString(connection,
                "SELECT TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
                names.database(), names.original());
        if (type.isEmpty()) {
            if (Database.queryString(connection, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?",
                    names.database()).isEmpty()) {
                throw new MigrationException("database " + Identifiers.quote(names.database()) + " does not exist");
            }
            throw new MigrationException("table " + names.qualifiedOriginal() + " does not exist");
        }
        if (!"BASE TABLE".equalsIgnoreCase(type.get())) {
            throw new MigrationException(names.qualifiedOriginal() + " is a " + type.get() + ", not a table");
        }
        String engine = Database.queryString(connection,
                "SELECT ENGINE FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
                names.database(), names.original()).orElse("unknown");
        requireInnoDb(names.qualifiedOriginal(), engine);
    }

    /**
     * The copy, the apply and the cut-over rely on transactions, row locks and consistent snapshots: on MyISAM,
     * Aria or MEMORY a chunk copied under load can miss or double a row, and the checksum pass proves nothing.
     */
    private static void requireInnoDb(String table, String engine) {
        if (!"InnoDB".equalsIgnoreCase(engine)) {
            throw new MigrationException(table + " uses the " + engine + " storage engine: an online migration needs"
                    + " InnoDB (transactions, row locks, consistent snapshots); convert it with a plain ALTER TABLE ..."
                    + " ENGINE=InnoDB in a maintenance window");
        }
    }

    private void requireNoForeignKeys(TableNames names) throws SQLException {
        Optional<String> child = Database.queryString(connection,
                "SELECT GROUP_CONCAT(CONSTRAINT_NAME ORDER BY CONSTRAINT_NAME SEPARATOR ', ') FROM information_schema.REFERENTIAL_CONSTRAINTS"
                        + " WHERE CONSTRAINT_SCHEMA = ? AND TABLE_NAME = ?",
                names.database(), names.original());
        if (child.isPresent() && discardForeignKeys) {
            LOG.warn("table={} phase=Validating --discard-foreign-keys: the migrated table will have none of the foreign"
                    + " keys {} of the original; their integrity is no longer enforced", names.original(), child.get());
        } else if (child.isPresent()) {
            throw new MigrationException("table " + names.qualifiedOriginal() + " has foreign key " + Identifiers.quote(child.get())
                    + " (it is a child table): foreign keys are not supported by online migration; --discard-foreign-keys"
                    + " migrates it without them");
        }
        Optional<String> parent = Database.queryString(connection,
                "SELECT CONCAT(CONSTRAINT_SCHEMA, '.', TABLE_NAME) FROM information_schema.REFERENTIAL_CONSTRAINTS"
                        + " WHERE UNIQUE_CONSTRAINT_SCHEMA = ? AND REFERENCED_TABLE_NAME = ? LIMIT 1",
                names.database(), names.original());
        if (parent.isPresent()) {
            throw new MigrationException("table " + names.qualifiedOriginal() + " is referenced by a foreign key of "
                    + parent.get() + " (it is a parent table): foreign keys are not supported by online migration");
        }
    }

    private void requireNoTriggers(TableNames names) throws SQLException {
        Optional<String> trigger = Database.queryString(connection,
                "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = ? AND EVENT_OBJECT_TABLE = ? LIMIT 1",
                names.database(), names.original());
        if (trigger.isPresent()) {
            throw new MigrationException("table " + names.qualifiedOriginal() + " has trigger " + Identifiers.quote(trigger.get())
                    + ": tables with triggers are migrated only with --include-triggers (they then move to the new table)");
        }
    }

    /**
     * Applies the ALTER to a TEMPORARY table created LIKE the original: the server
     * validates the ALTER in full, and nothing anybody else can see is created (temporary
     * tables are private to this session and are not written to a row-based binlog).
     */
    private TableSchema describeAltered(TableNames names, AlterClauses alter) throws SQLException {
        String temporary = Identifiers.qualified(names.database(), names.ghost());
        try (Statement statement = connection.createStatement()) {
            try {
                statement.execute("CREATE TEMPORARY TABLE " + temporary + " LIKE " + names.qualifiedOriginal());
            } catch (SQLException e) {
                // Partitioned tables and InnoDB FULLTEXT indexes cannot be temporary.
                throw new MigrationException("cannot check the ALTER on a temporary copy of " + names.qualifiedOriginal()
                        + " (partitioned tables and tables with FULLTEXT indexes are not supported): " + e.getMessage(), e);
            }
            try {
                statement.execute(SqlBuilder.alterTable(temporary, alter.text()));
            } catch (SQLException e) {
                throw new MigrationException("the ALTER is invalid for " + names.qualifiedOriginal() + ": " + e.getMessage(), e);
            }
            return describe(names.database(), names.ghost());
        } finally {
            try (Statement statement = connection.createStatement()) {
                statement.execute("DROP TEMPORARY TABLE IF EXISTS " + temporary);
            }
        }
    }

    /** Reads a table through SHOW statements, which see temporary tables too. */
    TableSchema describe(String database, String table) throws SQLException {
        String qualified = Identifiers.qualified(database, table);
        List<ColumnInfo> columns = new ArrayList<>();
        try (Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SHOW FULL COLUMNS FROM " + qualified)) {
            int ordinal = 0;
            while (rs.next()) {
                String type = rs.getString("Type");
                String collation = rs.getString("Collation");
                String charset = collation == null ? null : collation.split("_", 2)[0];
                columns.add(new ColumnInfo(rs.getString("Field"), ordinal++, baseType(type), type, charset, collation,
                        "YES".equalsIgnoreCase(rs.getString("Null")),
                        GENERATED.matcher(String.valueOf(rs.getString("Extra"))).find()));
            }
        }
        List<String> stored = new ArrayList<>();
        try (Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SHOW FULL COLUMNS FROM " + qualified)) {
            while (rs.next()) {
                if (STORED.matcher(String.valueOf(rs.getString("Extra"))).find()) {
                    stored.add(rs.getString("Field"));
                }
            }
        }
        Map<String, List<String>> keyColumns = new LinkedHashMap<>();
        Map<String, String> unusable = new LinkedHashMap<>();
        try (Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SHOW INDEX FROM " + qualified)) {
            while (rs.next()) {
                if (rs.getInt("Non_unique") != 0) {
                    continue;
                }
                String index = rs.getString("Key_name");
                String columnName = rs.getString("Column_name");
                keyColumns.computeIfAbsent(index, k -> new ArrayList<>()).add(columnName);
                ColumnInfo column = columns.stream().filter(c -> c.sameName(columnName)).findFirst().orElse(null);
                unusableBecause(rs.getObject("Sub_part") != null, column, columnName, stored)
                        .ifPresent(reason -> unusable.putIfAbsent(index, reason));
            }
        }
        List<UniqueKey> keys = keyColumns.entrySet().stream()
                .filter(e -> !unusable.containsKey(e.getKey()))
                .map(e -> new UniqueKey(e.getKey(), List.copyOf(e.getValue())))
                .toList();
        String create;
        try (Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SHOW CREATE TABLE " + qualified)) {
            rs.next();
            create = rs.getString(2);
        }
        return new TableSchema(database, table, List.copyOf(columns), keys, create, Map.copyOf(unusable));
    }

    /**
     * Why a unique key column cannot find rows: a prefix, NULLs, an expression, or a VIRTUAL generated column (gh-ost
     * uses STORED ones; a virtual one is computed on every read of the index, which the copy's ranges and the re-sync's
     * lookups would do for every row).
     */
    private static Optional<String> unusableBecause(boolean prefix, ColumnInfo column, String columnName, List<String> stored) {
        if (column == null) {
            return Optional.of("it indexes an expression");
        }
        if (prefix) {
            return Optional.of("it indexes a prefix of " + Identifiers.quote(columnName));
        }
        if (column.nullable()) {
            return Optional.of(Identifiers.quote(columnName) + " allows NULL");
        }
        if (column.generated() && stored.stream().noneMatch(column::sameName)) {
            return Optional.of(Identifiers.quote(columnName) + " is a VIRTUAL generated column (make it STORED to chunk by it)");
        }
        return Optional.empty();
    }

    private static String baseType(String columnType) {
        String lower = columnType.toLowerCase(Locale.ROOT);
        int end = 0;
        while (end < lower.length() && Character.isLetter(lower.charAt(end))) {
            end++;
        }
        return lower.substring(0, end);
    }

    /**
     * The chunking key: a unique key of the original whose columns are also a unique key
     * of the ghost (through renames), every column NOT NULL on both sides. PRIMARY first,
     * then the narrowest.
     */
    private static UniqueKey sharedKey(TableSchema original, TableSchema ghost, ColumnMapping mapping) {
        if (original.uniqueKeys().isEmpty()) {
            throw new MigrationException("table " + original.table() + " has no usable unique key (a PRIMARY KEY or a UNIQUE KEY"
                    + " on NOT NULL columns without prefix): one is needed to copy in chunks and to find changed rows"
                    + original.unusableKeys().entrySet().stream().map(e -> "; " + e.getKey() + " is not usable: " + e.getValue())
                            .collect(java.util.stream.Collectors.joining()));
        }
        return original.uniqueKeys().stream()
                .filter(key -> ghostKey(key, original, ghost, mapping).isPresent())
                .filter(key -> key.columns().stream().allMatch(c -> isKeyable(original.requireColumn(c))))
                // InnoDB reports a duplicate on the clustered key first, so a key that is the
                // ghost's PRIMARY makes "row already copied" duplicates recognisable by name.
                .min(Comparator.comparing((UniqueKey key) -> !ghostKey(key, original, ghost, mapping).orElseThrow().isPrimary())
                        .thenComparing(key -> !key.isPrimary())
                        .thenComparing(key -> key.columns().size()))
                .orElseThrow(() -> new MigrationException("the original and the altered table share no unique key on NOT NULL"
                        + " columns (original has " + original.uniqueKeys().stream().map(UniqueKey::name).toList()
                        + ", altered has " + ghost.uniqueKeys().stream().map(UniqueKey::name).toList() + "): "
                        + original.uniqueKeys().stream().map(key -> whyNotShared(key, ghost, mapping))
                                .collect(java.util.stream.Collectors.joining("; "))
                        + ". Keep one unique key, or let a unique key of the altered table start with its columns unchanged"));
    }

    /**
     * The altered table's unique key the original's key is found by: one over exactly the columns the key's values go
     * to, or else one that starts with them, each of unchanged type and collation. In the second case the original's
     * key is still unique among the altered table's rows, all of which are copies of original rows with those values
     * as they were, and the longer key's leading columns index every lookup by it.
     */
    static Optional<UniqueKey> ghostKey(UniqueKey key, TableSchema original, TableSchema ghost, ColumnMapping mapping) {
        List<Optional<ColumnInfo>> mapped = key.columns().stream().map(mapping::ghostOf).toList();
        if (mapped.stream().anyMatch(Optional::isEmpty)) {
            return Optional.empty();
        }
        List<String> names = mapped.stream().map(c -> c.orElseThrow().name()).toList();
        boolean generationKept = key.columns().stream().allMatch(c -> sameGeneration(mapping.original(c),
                mapping.ghostOf(c).orElseThrow(), original, ghost));
        if (!generationKept) {
            return Optional.empty();
        }
        Optional<UniqueKey> exact = ghost.uniqueKeys().stream().filter(g -> g.sameColumns(names)).findFirst();
        if (exact.isPresent()) {
            return exact;
        }
        boolean unchanged = key.columns().stream().allMatch(c -> sameDefinition(mapping.original(c), mapping.ghostOf(c).orElseThrow()));
        return unchanged ? ghost.uniqueKeys().stream().filter(g -> g.startsWith(names)).findFirst() : Optional.empty();
    }

    /**
     * A generated key column finds the same rows on both tables only if it is computed the same way: its whole
     * definition (type, expression, storage) must be unchanged.
     */
    private static boolean sameGeneration(ColumnInfo o, ColumnInfo g, TableSchema original, TableSchema ghost) {
        if (!o.generated() && !g.generated()) {
            return true;
        }
        return definitionLine(original, o).equals(definitionLine(ghost, g));
    }

    private static String definitionLine(TableSchema table, ColumnInfo column) {
        String start = Identifiers.quote(column.name()) + " ";
        return table.createStatement().lines().map(String::strip).filter(line -> line.startsWith(start))
                .map(line -> line.endsWith(",") ? line.substring(0, line.length() - 1) : line)
                .findFirst().orElse("");
    }

    private static boolean sameDefinition(ColumnInfo original, ColumnInfo ghost) {
        return original.columnType().equalsIgnoreCase(ghost.columnType()) && Objects.equals(original.collation(), ghost.collation());
    }

    private static String whyNotShared(UniqueKey key, TableSchema ghost, ColumnMapping mapping) {
        String name = key.name() + " " + key.columns();
        List<String> lost = key.columns().stream().filter(c -> mapping.ghostOf(c).isEmpty()).toList();
        if (!lost.isEmpty()) {
            return name + " loses column(s) " + lost;
        }
        List<String> names = key.columns().stream().map(c -> mapping.ghostOf(c).orElseThrow().name()).toList();
        if (ghost.uniqueKeys().stream().anyMatch(g -> g.startsWith(names))) {
            return name + " changes the type or collation of its columns, so it may not stay unique";
        }
        return name + " is not unique on the altered table (no unique key there has exactly these columns, or starts with them)";
    }

    private static boolean isKeyable(ColumnInfo column) {
        try {
            new KeyColumn(column, column);
            return true;
        } catch (MigrationException e) {
            return false;
        }
    }

    private long estimateRows(TableNames names, boolean exact) throws SQLException {
        Optional<String> rows = exact
                ? Database.queryString(connection, "SELECT COUNT(*) FROM " + names.qualifiedOriginal())
                : Database.queryString(connection, "SELECT TABLE_ROWS FROM information_schema.TABLES"
                        + " WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?", names.database(), names.original());
        return rows.map(Long::parseLong).orElse(0L);
    }

    public boolean tableExists(String database, String table) throws SQLException {
        return Database.queryString(connection,
                "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?", database, table).isPresent();
    }

    /**
     * Why the ghost's copy streams take turns, if they do: below {@code innodb_autoinc_lock_mode=2} an INSERT ... SELECT
     * into a table with an AUTO_INCREMENT column holds the table's AUTO-INC lock until it ends, even with every value
     * given (InnoDB takes it to raise the counter), so a second chunk's insert waits for the first's. Mode 2 (safe
     * with binlog_format=ROW, which the migration requires) takes no such lock.
     */
    public Optional<String> copyStreamsTakeTurns(TableNames names) throws SQLException {
        String mode = variable("innodb_autoinc_lock_mode");
        if (mode.isEmpty() || "2".equals(mode)) {
            return Optional.empty();
        }
        return Database.queryString(connection, "SELECT COLUMN_NAME FROM information_schema.COLUMNS"
                        + " WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND EXTRA LIKE '%auto_increment%'",
                names.database(), names.ghost())
                .map(column -> "AUTO_INCREMENT column " + Identifiers.quote(column) + " under innodb_autoinc_lock_mode=" + mode);
    }

    public long autoIncrement(TableNames names) throws SQLException {
        return Database.queryString(connection,
                "SELECT AUTO_INCREMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
                names.database(), names.original()).map(Long::parseLong).orElse(0L);
    }
}
