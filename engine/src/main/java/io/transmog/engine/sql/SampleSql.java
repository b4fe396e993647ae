package io.transmog.engine.sql;

import io.transmog.engine.inspect.ColumnInfo;
import io.transmog.engine.inspect.MigrationPlan;
import io.transmog.engine.sql.BoundStatement.Binding;

import java.math.BigDecimal;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Statements of the column mapping check (verify.MappingCheck): copying a bounded sample of the original's rows into
 * a session-private temporary table, and finding where two renderings of the altered table differ. The copy and
 * re-sync of the sample into the engine's rendering use {@link SqlBuilder}'s own statements.
 */
public final class SampleSql {
    private final TableNames names;
    private final String sampleTable;
    private final String writableColumns;
    private final String keyOrder;
    private final String firstKeyColumn;
    private final String keyIndexHint;

    public SampleSql(MigrationPlan plan, String sampleTable) {
        this.names = plan.names();
        this.sampleTable = Identifiers.qualified(names.database(), sampleTable);
        this.writableColumns = plan.original().columns().stream().filter(c -> !c.generated())
                .map(c -> Identifiers.quote(c.name())).collect(Collectors.joining(", "));
        this.keyOrder = plan.chunkKey().columns().stream().map(Identifiers::quote).collect(Collectors.joining(", "));
        this.firstKeyColumn = Identifiers.quote(plan.chunkKey().columns().get(0));
        this.keyIndexHint = " FORCE INDEX (" + Identifiers.quote(plan.chunkKey().name()) + ")";
    }

    public static String createTemporaryLike(String qualifiedNew, String qualifiedExisting) {
        return "CREATE TEMPORARY TABLE " + qualifiedNew + " LIKE " + qualifiedExisting;
    }

    public static String dropTemporary(String qualifiedTable) {
        return "DROP TEMPORARY TABLE IF EXISTS " + qualifiedTable;
    }

    /** Copies the sample as it is, into a table with the original's own definition. */
    public String copySampleTo(String qualifiedTable) {
        return "INSERT INTO " + qualifiedTable + " (" + writableColumns + ") SELECT " + writableColumns + " FROM " + sampleTable;
    }

    /** The first or last {@code rows} rows by the chunking key. */
    public String edgeRows(boolean last, int rows) {
        String direction = last ? " DESC" : "";
        return insertSample() + " ORDER BY " + keyOrder.replace(", ", direction + ", ") + direction + " LIMIT " + rows;
    }

    /** {@code rows} rows from where the (integer) first key column reaches {@code from}. */
    public BoundStatement rowsFrom(BigDecimal from, int rows) {
        return new BoundStatement(insertSample() + " WHERE " + firstKeyColumn + " >= ? ORDER BY " + keyOrder + " LIMIT " + rows,
                List.of(Binding.plain(from)));
    }

    /**
     * Up to {@code rows} rows with a NULL in any of these columns, among the first {@code window} rows by the key: the
     * window bounds the scan on a table that has none.
     */
    public String rowsWithNulls(List<ColumnInfo> nullable, int window, int rows) {
        String anyNull = nullable.stream().map(c -> Identifiers.quote(c.name()) + " IS NULL").collect(Collectors.joining(" OR "));
        return "INSERT IGNORE INTO " + sampleTable + " (" + writableColumns + ") SELECT " + writableColumns
                + " FROM (SELECT " + writableColumns + " FROM " + names.qualifiedOriginal() + keyIndexHint
                + " ORDER BY " + keyOrder + " LIMIT " + window + ") w WHERE " + anyNull + " LIMIT " + rows;
    }

    private String insertSample() {
        return "INSERT IGNORE INTO " + sampleTable + " (" + writableColumns + ") SELECT " + writableColumns
                + " FROM " + names.qualifiedOriginal() + keyIndexHint;
    }

    /** The first key column's lowest and highest value in the sample, as text (it is an integer column). */
    public String firstKeyRange() {
        return "SELECT CAST(MIN(" + firstKeyColumn + ") AS CHAR), CAST(MAX(" + firstKeyColumn + ") AS CHAR) FROM " + sampleTable;
    }

    /** SHOW statements see temporary tables, which information_schema does not list on every server. */
    public static String showColumns(String qualifiedTable) {
        return "SHOW FULL COLUMNS FROM " + qualifiedTable;
    }

    public String countSample() {
        return "SELECT COUNT(*) FROM " + sampleTable;
    }

    /**
     * Queries for the key of a row (by the altered table's key {@code ghostKey}) where {@code column} differs between
     * two renderings of the altered table, compared as bytes so a change of case or of trailing spaces counts, or
     * that one rendering lacks. Two queries, because MySQL cannot open a temporary table twice in one statement.
     */
    public static List<String> differences(String qualifiedLeft, String qualifiedRight, List<String> ghostKey, String column) {
        String differs = "NOT (CAST(l." + Identifiers.quote(column) + " AS BINARY) <=> CAST(r." + Identifiers.quote(column)
                + " AS BINARY))";
        return List.of(
                rowsWithoutMatch(qualifiedLeft, "l", qualifiedRight, "r", ghostKey) + " OR " + differs + " LIMIT 1",
                rowsWithoutMatch(qualifiedRight, "r", qualifiedLeft, "l", ghostKey) + " LIMIT 1");
    }

    private static String rowsWithoutMatch(String from, String alias, String joined, String joinedAlias, List<String> key) {
        String on = key.stream().map(k -> alias + "." + Identifiers.quote(k) + " = " + joinedAlias + "." + Identifiers.quote(k))
                .collect(Collectors.joining(" AND "));
        String keys = key.stream().map(k -> alias + "." + Identifiers.quote(k)).collect(Collectors.joining(", "));
        return "SELECT " + keys + " FROM " + from + " " + alias + " LEFT JOIN " + joined + " " + joinedAlias + " ON " + on
                + " WHERE " + joinedAlias + "." + Identifiers.quote(key.get(0)) + " IS NULL";
    }
}
