package io.transmog.engine.sql;

import io.transmog.engine.MigrationException;
import io.transmog.engine.inspect.ColumnInfo;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;

/**
 * One column of the chunking key, as it exists in the original and in the ghost table.
 * Key values travel in one canonical form whether they were read by a SELECT (chunk
 * boundaries) or decoded from a row event (changed keys), and this class is the one
 * place that turns that form into SQL on either table:
 * <ul>
 * <li>character strings stay raw bytes in the column's character set and are re-read by
 * the server with {@code CONVERT(? USING cs)}: no JVM charset ever touches them;</li>
 * <li>temporal values are literals, read and written with session time zone +00:00 (read
 * with getString: Connector/J returns the server's text, zero and partly zero dates and
 * TIME beyond 24 hours or below zero included, leaving out only a fraction of all zeros);</li>
 * <li>ENUM and SET are compared by number on the original (the index order is the
 * key order) and by member names on the ghost, whose member list the ALTER may change.</li>
 * </ul>
 */
public final class KeyColumn {
    public enum Kind { INTEGER, DECIMAL, FLOATING, TEXT, BINARY, TEMPORAL, YEAR, ENUM, SET, BIT }

    private final ColumnInfo original;
    private final ColumnInfo ghost;
    private final Kind kind;

    public KeyColumn(ColumnInfo original, ColumnInfo ghost) {
        this.original = original;
        this.ghost = ghost;
        this.kind = kindOf(original);
    }

    public ColumnInfo original() {
        return original;
    }

    public ColumnInfo ghost() {
        return ghost;
    }

    public Kind kind() {
        return kind;
    }

    /**
     * Only these types can be decoded from a row event as a key. JSON, which MySQL logs in its binary form, is not
     * among them and needs not be: no server indexes a JSON column itself, only generated columns over it, and
     * those are logged in their own types.
     */
    static Kind kindOf(ColumnInfo column) {
        return switch (column.dataType()) {
            case "tinyint", "smallint", "mediumint", "int", "integer", "bigint" -> Kind.INTEGER;
            case "decimal", "numeric" -> Kind.DECIMAL;
            case "float", "double", "real" -> Kind.FLOATING;
            case "date", "datetime", "timestamp", "time" -> Kind.TEMPORAL;
            case "year" -> Kind.YEAR;
            case "enum" -> Kind.ENUM;
            case "set" -> Kind.SET;
            case "bit" -> Kind.BIT;
            case "binary", "varbinary" -> Kind.BINARY;
            case "char", "varchar" -> Kind.TEXT;
            default -> throw new MigrationException("column " + Identifiers.quote(column.name()) + " of type "
                    + column.columnType() + " cannot be part of the chunking key");
        };
    }

    /** Expression that selects this column of the original in canonical form. */
    String boundarySelect() {
        String name = Identifiers.quote(original.name());
        return switch (kind) {
            case ENUM, SET, BIT -> name + "+0";
            case TEXT -> "CAST(" + name + " AS BINARY)";
            default -> name;
        };
    }

    /** Reads a value produced by {@link #boundarySelect()}. */
    public Object read(ResultSet rs, int index) throws SQLException {
        Object value = switch (kind) {
            case INTEGER, ENUM, SET, BIT -> {
                BigDecimal number = rs.getBigDecimal(index);
                yield number == null ? null : canonicalInteger(number.toBigIntegerExact());
            }
            case DECIMAL -> rs.getBigDecimal(index);
            case FLOATING -> rs.getDouble(index);
            case TEXT, BINARY -> {
                byte[] bytes = rs.getBytes(index);
                yield bytes == null ? null : new Bytes(bytes);
            }
            case TEMPORAL -> rs.getString(index);
            case YEAR -> rs.getInt(index);
        };
        if (value == null) {
            throw new MigrationException("NULL in key column " + Identifiers.quote(original.name()));
        }
        return value;
    }

    /** Converts a value of a row event (deserialized in the modes the streamer configures). */
    public Object fromBinlog(Object raw) {
        if (raw == null) {
            throw new MigrationException("NULL in key column " + Identifiers.quote(original.name()) + " in a row event");
        }
        return switch (kind) {
            case INTEGER -> canonicalInteger(widen(((Number) raw).longValue()));
            case ENUM, SET -> canonicalInteger(BigInteger.valueOf(((Number) raw).longValue()));
            case BIT -> canonicalInteger(bitsToNumber((BitSet) raw));
            case DECIMAL -> raw;
            case FLOATING -> ((Number) raw).doubleValue();
            case TEXT -> new Bytes((byte[]) raw);
            case BINARY -> new Bytes(padBinary((byte[]) raw));
            case TEMPORAL -> temporalLiteral(((Number) raw).longValue());
            case YEAR -> ((Number) raw).intValue();
        };
    }

    /** Placeholder expression for a value compared with the original's column. */
    String originalPlaceholder() {
        return kind == Kind.TEXT
                ? "CONVERT(? USING " + original.charset() + ") COLLATE " + original.collation()
                : "?";
    }

    /** Placeholder expression for a value compared with the ghost's column. */
    String ghostPlaceholder() {
        if (kind != Kind.TEXT) {
            return "?";
        }
        String asOriginal = "CONVERT(? USING " + original.charset() + ")";
        if (!ghost.isTextual()) {
            return asOriginal;
        }
        String converted = ghost.charset().equalsIgnoreCase(original.charset())
                ? asOriginal
                : "CONVERT(" + asOriginal + " USING " + ghost.charset() + ")";
        return converted + " COLLATE " + ghost.collation();
    }

    void bind(PreparedStatement statement, int index, Object value, boolean onGhost) throws SQLException {
        if (value instanceof Bytes bytes) {
            statement.setBytes(index, bytes.value());
        } else if (onGhost && kind == Kind.ENUM) {
            statement.setString(index, enumName(toBigInteger(value).intValue()));
        } else if (onGhost && kind == Kind.SET) {
            statement.setString(index, setNames(toBigInteger(value).longValue()));
        } else if (value instanceof BigInteger big) {
            statement.setBigDecimal(index, new BigDecimal(big));
        } else {
            statement.setObject(index, value);
        }
    }

    private static Object canonicalInteger(BigInteger value) {
        return value.bitLength() < 64 ? (Object) value.longValue() : value;
    }

    private static BigInteger toBigInteger(Object value) {
        return value instanceof BigInteger big ? big : BigInteger.valueOf(((Number) value).longValue());
    }

    /** Row events carry unsigned integers as signed numbers of the column's width. */
    private BigInteger widen(long value) {
        if (!original.unsigned() || value >= 0) {
            return BigInteger.valueOf(value);
        }
        int bits = switch (original.dataType()) {
            case "tinyint" -> 8;
            case "smallint" -> 16;
            case "mediumint" -> 24;
            case "int", "integer" -> 32;
            default -> 64;
        };
        return BigInteger.valueOf(value).add(BigInteger.ONE.shiftLeft(bits));
    }

    private static BigInteger bitsToNumber(BitSet bits) {
        BigInteger value = BigInteger.ZERO;
        for (int i = bits.nextSetBit(0); i >= 0; i = bits.nextSetBit(i + 1)) {
            value = value.setBit(i);
        }
        return value;
    }

    private byte[] padBinary(byte[] raw) {
        int length = original.fixedBinaryLength();
        return raw.length >= length ? raw : Arrays.copyOf(raw, length);
    }

    private String enumName(int index) {
        return index == 0 ? "" : original.members().get(index - 1);
    }

    private String setNames(long mask) {
        List<String> members = original.members();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            if ((mask & (1L << i)) != 0) {
                names.add(members.get(i));
            }
        }
        return String.join(",", names);
    }

    /**
     * Row events decoded with DATE_AND_TIME_AS_LONG_MICRO give microseconds since the
     * epoch, wall-clock components encoded as if UTC (TIMESTAMP: the instant itself,
     * which the +00:00 session renders the same way). Zero dates arrive as Long.MIN_VALUE.
     */
    private String temporalLiteral(long micros) {
        String type = original.dataType();
        if (micros == Long.MIN_VALUE) {
            return switch (type) {
                case "date" -> "0000-00-00";
                case "time" -> "00:00:00";
                default -> "0000-00-00 00:00:00";
            };
        }
        if ("time".equals(type)) {
            long total = Math.abs(micros);
            String sign = micros < 0 ? "-" : "";
            return String.format(Locale.ROOT, "%s%02d:%02d:%02d.%06d", sign, total / 3_600_000_000L,
                    (total / 60_000_000L) % 60, (total / 1_000_000L) % 60, total % 1_000_000L);
        }
        LocalDateTime wallClock = LocalDateTime.ofInstant(
                Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000L),
                ZoneOffset.UTC);
        if ("date".equals(type)) {
            return wallClock.toLocalDate().toString();
        }
        return String.format(Locale.ROOT, "%04d-%02d-%02d %02d:%02d:%02d.%06d", wallClock.getYear(),
                wallClock.getMonthValue(), wallClock.getDayOfMonth(), wallClock.getHour(), wallClock.getMinute(),
                wallClock.getSecond(), wallClock.getNano() / 1000);
    }

    /** Raw bytes with value semantics, so keys can be de-duplicated in sets. */
    public record Bytes(byte[] value) {
        @Override
        public boolean equals(Object other) {
            return other instanceof Bytes that && Arrays.equals(value, that.value);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(value);
        }

        @Override
        public String toString() {
            return "0x" + java.util.HexFormat.of().formatHex(value);
        }
    }
}
