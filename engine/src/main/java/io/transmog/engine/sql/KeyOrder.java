package io.transmog.engine.sql;

import java.math.BigInteger;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The chunking key's order as the server's index keeps it, where Java can tell it without asking the server: keys of
 * integer columns only, compared column by column as numbers (a BIGINT UNSIGNED past the long range included). Text
 * follows its collation, ENUM and SET their member numbers, temporal values their literals' parsing: none is ordered
 * here, and callers that need an order do without it.
 */
public final class KeyOrder {
    private KeyOrder() {
    }

    public static Optional<Comparator<KeyTuple>> of(List<KeyColumn> key) {
        if (key.isEmpty() || key.stream().anyMatch(column -> column.kind() != KeyColumn.Kind.INTEGER)) {
            return Optional.empty();
        }
        int columns = key.size();
        return Optional.of((a, b) -> {
            for (int i = 0; i < columns; i++) {
                int order = compare((Number) a.values().get(i), (Number) b.values().get(i));
                if (order != 0) {
                    return order;
                }
            }
            return 0;
        });
    }

    private static int compare(Number a, Number b) {
        if (a instanceof BigInteger || b instanceof BigInteger) {
            return big(a).compareTo(big(b));
        }
        return Long.compare(a.longValue(), b.longValue());
    }

    private static BigInteger big(Number n) {
        return n instanceof BigInteger big ? big : BigInteger.valueOf(n.longValue());
    }
}
