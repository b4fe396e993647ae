package io.transmog.engine.inspect;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A table's columns (in ordinal order, as row events carry them), its usable unique keys, and the unique keys that
 * cannot find rows, each with the reason.
 */
public record TableSchema(String database, String table, List<ColumnInfo> columns, List<UniqueKey> uniqueKeys,
                          String createStatement, Map<String, String> unusableKeys) {

    public TableSchema(String database, String table, List<ColumnInfo> columns, List<UniqueKey> uniqueKeys,
                       String createStatement) {
        this(database, table, columns, uniqueKeys, createStatement, Map.of());
    }

    public Optional<ColumnInfo> column(String name) {
        return columns.stream().filter(c -> c.sameName(name)).findFirst();
    }

    public ColumnInfo requireColumn(String name) {
        return column(name).orElseThrow(() -> new IllegalStateException(
                "column " + name + " not in " + database + "." + table));
    }
}
