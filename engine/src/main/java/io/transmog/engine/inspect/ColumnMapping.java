package io.transmog.engine.inspect;

import io.transmog.engine.sql.AlterClauses;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Which column of the altered table carries the values of which column of the original.
 * A name is not enough: {@code DROP COLUMN c, ADD COLUMN c ...} makes a new {@code c} whose
 * values come from its default, exactly as the server's own ALTER does, and
 * {@code CHANGE a b ..., ADD COLUMN a ...} leaves the new {@code a} unrelated to the old one.
 * So an original column maps to the ghost column it is renamed to, or else to the ghost column
 * of its own name unless the ALTER drops or renames it away.
 */
public final class ColumnMapping {
    private final TableSchema original;
    private final TableSchema ghost;
    private final Map<String, String> renamed;
    private final Set<String> dropped;

    ColumnMapping(TableSchema original, TableSchema ghost, AlterClauses alter) {
        this.original = original;
        this.ghost = ghost;
        this.renamed = alter.renamedColumns();
        this.dropped = alter.droppedColumns();
    }

    public ColumnInfo original(String originalColumn) {
        return original.requireColumn(originalColumn);
    }

    /** The ghost column the original column's values go to, if any. */
    public Optional<ColumnInfo> ghostOf(String originalColumn) {
        String lower = originalColumn.toLowerCase(Locale.ROOT);
        String renamedTo = renamed.get(lower);
        if (renamedTo != null) {
            return ghost.column(renamedTo);
        }
        return dropped.contains(lower) ? Optional.empty() : ghost.column(originalColumn);
    }

    /** The original column whose values the ghost column holds; empty for a column the ALTER adds. */
    public Optional<ColumnInfo> sourceOf(String ghostColumn) {
        return original.columns().stream()
                .filter(o -> ghostOf(o.name()).filter(g -> g.sameName(ghostColumn)).isPresent())
                .findFirst();
    }
}
