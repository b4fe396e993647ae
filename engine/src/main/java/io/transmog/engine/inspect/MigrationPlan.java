package io.transmog.engine.inspect;

import io.transmog.engine.sql.Identifiers;
import io.transmog.engine.sql.KeyColumn;
import io.transmog.engine.sql.TableNames;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What the inspector found and decided: the two table definitions, the original's key the
 * copy is chunked by and changed rows are found by, the altered table's unique key that holds
 * it (the same columns, or starting with them), and how columns map across the ALTER.
 */
public record MigrationPlan(
        TableNames names,
        String alter,
        TableSchema original,
        TableSchema ghost,
        UniqueKey chunkKey,
        UniqueKey ghostChunkKey,
        List<KeyColumn> keyColumns,
        List<ColumnPair> copiedColumns,
        List<String> addedColumns,
        List<String> droppedColumns,
        Map<String, String> renamedColumns,
        long estimatedRows) {

    /** A column whose value is carried over: its name in the original and in the ghost table. */
    public record ColumnPair(String original, String ghost) {
    }

    /** The same plan acting on other tables of the same definitions (the mapping check's temporary tables). */
    public MigrationPlan withNames(TableNames otherNames) {
        return new MigrationPlan(otherNames, alter, original, ghost, chunkKey, ghostChunkKey, keyColumns, copiedColumns, addedColumns,
                droppedColumns, renamedColumns, estimatedRows);
    }

    /** Human-readable plan, printed by a dry run. */
    public String describe() {
        StringBuilder out = new StringBuilder();
        out.append("table:            ").append(names.qualifiedOriginal()).append('\n');
        out.append("alter:            ").append(alter).append('\n');
        out.append("chunking key:     ").append(chunkKey.name()).append(" (")
                .append(chunkKey.columns().stream().map(Identifiers::quote).collect(Collectors.joining(", ")))
                .append(")\n");
        out.append("estimated rows:   ").append(estimatedRows).append('\n');
        out.append("columns copied:   ").append(copiedColumns.size()).append('\n');
        if (!addedColumns.isEmpty()) {
            out.append("columns added:    ").append(String.join(", ", addedColumns)).append('\n');
        }
        if (!droppedColumns.isEmpty()) {
            out.append("columns dropped:  ").append(String.join(", ", droppedColumns)).append('\n');
        }
        renamedColumns.forEach((from, to) -> out.append("column renamed:   ").append(from).append(" -> ").append(to).append('\n'));
        out.append("ghost table:      ").append(names.qualifiedGhost()).append('\n');
        out.append(ghost.createStatement().replaceFirst("^CREATE TEMPORARY TABLE", "CREATE TABLE")).append('\n');
        return out.toString();
    }
}
