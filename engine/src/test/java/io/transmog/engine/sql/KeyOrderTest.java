package io.transmog.engine.sql;

import io.transmog.engine.inspect.ColumnInfo;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.Comparator;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class KeyOrderTest {
    private static final ColumnInfo TENANT = new ColumnInfo("tenant", 0, "int", "int(11)", null, null, false, false);
    private static final ColumnInfo ID = new ColumnInfo("id", 1, "bigint", "bigint(20) unsigned", null, null, false, false);
    private static final ColumnInfo NAME =
            new ColumnInfo("name", 2, "varchar", "varchar(20)", "utf8mb4", "utf8mb4_general_ci", false, false);

    @Test
    void integerKeysCompareColumnByColumnAsNumbers() {
        Comparator<KeyTuple> order = KeyOrder.of(List.of(new KeyColumn(TENANT, TENANT), new KeyColumn(ID, ID))).orElseThrow();
        BigInteger pastLong = BigInteger.TWO.pow(63).add(BigInteger.TEN);

        assertThat(order.compare(key(1L, 900L), key(2L, 5L))).as("the first column decides").isNegative();
        assertThat(order.compare(key(2L, 900L), key(2L, 5L))).as("then the second").isPositive();
        assertThat(order.compare(key(-3L, 5L), key(2L, 5L))).as("signed").isNegative();
        assertThat(order.compare(key(2L, pastLong), key(2L, Long.MAX_VALUE))).as("unsigned past the long range").isPositive();
        assertThat(order.compare(key(2L, BigInteger.valueOf(7)), key(2L, 7L))).as("equal values in either form").isZero();
        assertThat(order.compare(key(2, 7), key(2L, 8L))).as("any integer type").isNegative();
    }

    @Test
    void keysWithAColumnOfAnotherKindHaveNoOrderHere() {
        assertThat(KeyOrder.of(List.of(new KeyColumn(TENANT, TENANT), new KeyColumn(NAME, NAME)))).isEmpty();
        assertThat(KeyOrder.of(List.of())).isEmpty();
    }

    private static KeyTuple key(Object... values) {
        return new KeyTuple(List.of(values));
    }
}
