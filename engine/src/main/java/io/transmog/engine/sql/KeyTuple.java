package io.transmog.engine.sql;

import java.util.List;

/** The chunking-key values of one row, in key column order and canonical form (see {@link KeyColumn}). */
public record KeyTuple(List<Object> values) {
    @Override
    public String toString() {
        return values.toString();
    }
}
