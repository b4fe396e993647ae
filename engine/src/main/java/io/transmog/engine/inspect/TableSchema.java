package io.transmog.engine.inspect;

import java.util.List;
import java.util.Optional;

/** A table's columns (in ordinal order, as row events carry them) and its usable unique keys. */
public record TableSchema(String database, String table, List<ColumnInfo> columns, List<UniqueKey> uniqueKeys,
                          String createStatement) {

    public Optional<ColumnInfo> column(String name) {
        return columns.stream().filter(c -> c.sameName(name)).findFirst();
    }

    public ColumnInfo requireColumn(String name) {
        return column(name).orElseThrow(() -> new IllegalStateException(
                "column " + name + " not in " + database + "." + table));
    }
}
