package io.transmog.engine.inspect;

import java.util.List;
import java.util.Locale;

/**
 * One column as information_schema describes it. {@code dataType} is the lower-case
 * base type ("int", "varchar", "enum" ...); {@code columnType} the full definition
 * ("int(10) unsigned", "enum('a','b')").
 */
public record ColumnInfo(
        String name,
        int ordinal,
        String dataType,
        String columnType,
        String charset,
        String collation,
        boolean nullable,
        boolean generated) {

    public boolean unsigned() {
        return columnType.toLowerCase(Locale.ROOT).contains("unsigned");
    }

    public boolean isTextual() {
        return charset != null && !charset.isEmpty() && !"binary".equalsIgnoreCase(charset);
    }

    public boolean isBinaryString() {
        return switch (dataType) {
            case "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob" -> true;
            default -> false;
        };
    }

    /** Declared length of a BINARY(n) column: the binlog strips its trailing zero bytes. */
    public int fixedBinaryLength() {
        if (!"binary".equals(dataType)) {
            return 0;
        }
        int open = columnType.indexOf('(');
        return Integer.parseInt(columnType.substring(open + 1, columnType.indexOf(')', open)));
    }

    /** Members of an ENUM or SET, in declaration order (index 1 is the first). */
    public List<String> members() {
        return EnumMembers.parse(columnType);
    }

    public boolean sameName(String other) {
        return name.equalsIgnoreCase(other);
    }
}
