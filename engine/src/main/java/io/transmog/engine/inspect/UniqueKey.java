package io.transmog.engine.inspect;

import java.util.List;

/** A unique index usable to chunk the copy and to find rows again: all columns NOT NULL, no prefix. */
public record UniqueKey(String name, List<String> columns) {
    public boolean isPrimary() {
        return "PRIMARY".equals(name);
    }

    /** These columns are the key's first ones, in this order (compared case-insensitively). */
    public boolean startsWith(List<String> others) {
        return others.size() <= columns.size() && new UniqueKey(name, columns.subList(0, others.size())).sameColumns(others);
    }

    /** Same columns in the same order, compared as MySQL compares column names (case-insensitively). */
    public boolean sameColumns(List<String> others) {
        if (others.size() != columns.size()) {
            return false;
        }
        for (int i = 0; i < columns.size(); i++) {
            if (!columns.get(i).equalsIgnoreCase(others.get(i))) {
                return false;
            }
        }
        return true;
    }
}
