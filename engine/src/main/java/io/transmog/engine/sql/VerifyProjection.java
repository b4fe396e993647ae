package io.transmog.engine.sql;

import io.transmog.engine.inspect.ColumnInfo;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How verification (verify.ChecksumVerifier) renders a column of the original (alias o) and of the ghost table
 * (alias g) so that equal data gives equal bytes on both, where the ALTER changes the column's type: the original
 * is projected through the ghost's type the way the copy's assignment converts it. Where no exact projection
 * exists, there is none, and the column (or, for a key column, the key mapping) cannot be verified.
 * SqlBuilder's verification statements take their key mappings from here.
 */
public final class VerifyProjection {

    /** Type families whose conversions the verification knows; {@link #OTHER} is everything else. */
    public enum Family {
        INT, DECIMAL, FLOAT, TEXT, BINARY, ENUM, SET, BIT, DATE, DATETIME, TIMESTAMP, TIME, YEAR, OTHER;

        public static Family of(ColumnInfo column) {
            return switch (column.dataType()) {
                case "tinyint", "smallint", "mediumint", "int", "integer", "bigint" -> INT;
                case "decimal", "numeric" -> DECIMAL;
                case "float", "double", "real" -> FLOAT;
                case "char", "varchar", "tinytext", "text", "mediumtext", "longtext" -> column.isTextual() ? TEXT : BINARY;
                case "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob" -> BINARY;
                case "enum" -> ENUM;
                case "set" -> SET;
                case "bit" -> BIT;
                case "date" -> DATE;
                case "datetime" -> DATETIME;
                case "timestamp" -> TIMESTAMP;
                case "time" -> TIME;
                case "year" -> YEAR;
                default -> OTHER;
            };
        }

        /** A calendar date, with or without a time of day. */
        boolean hasDate() {
            return this == DATE || this == DATETIME || this == TIMESTAMP;
        }
    }

    /** One column's checksum term on each table. */
    public record Projection(String onOriginal, String onGhost) {
    }

    private static final Pattern TYPE_ARGUMENTS = Pattern.compile("^[a-z]+\\(([0-9]+(?:,[0-9]+)?)\\)");

    private VerifyProjection() {
    }

    /** The expressions that render one copied column alike on both tables, if an exact projection exists. */
    public static Optional<Projection> checksum(ColumnInfo original, ColumnInfo ghost) {
        String o = "o." + Identifiers.quote(original.name());
        String g = "g." + Identifiers.quote(ghost.name());
        Family from = Family.of(original);
        Family to = Family.of(ghost);
        if (!safeCharset(original) || !safeCharset(ghost)) {
            return Optional.empty();
        }
        if (original.columnType().equalsIgnoreCase(ghost.columnType()) && sameCollation(original, ghost)) {
            return Optional.of(switch (from) {
                // The shortest text that reads back as the same double: exact, unlike FLOAT's 6 digits.
                case FLOAT -> new Projection("CAST(" + o + " AS DOUBLE)", "CAST(" + g + " AS DOUBLE)");
                case BIT, ENUM, SET -> new Projection(o + "+0", g + "+0");
                // The instant itself, whatever the session's time zone (and its DST folds).
                case TIMESTAMP -> new Projection("UNIX_TIMESTAMP(" + o + ")", "UNIX_TIMESTAMP(" + g + ")");
                default -> new Projection(o, g);
            });
        }
        String projected = switch (to) {
            case INT -> from == Family.INT ? o : null;
            case DECIMAL -> from == Family.INT || from == Family.DECIMAL
                    ? "CAST(" + o + " AS DECIMAL(" + typeArguments(ghost, "10,0") + "))" : null;
            case FLOAT -> from == Family.FLOAT && !ghost.columnType().contains("(")
                    && ("double".equals(ghost.dataType()) || "float".equals(original.dataType()))
                    ? "CAST(" + o + " AS DOUBLE)" : null;
            case TEXT -> switch (from) {
                case TEXT, ENUM, SET, INT, DECIMAL -> asGhostText(o, original, ghost);
                default -> null;
            };
            case BINARY -> from == Family.TEXT || from == Family.BINARY ? asGhostBinary(o, ghost) : null;
            case ENUM -> from == Family.ENUM ? enumAsGhostIndex(o, original, ghost) : null;
            case SET -> from == Family.SET ? setAsGhostMask(o, original, ghost) : null;
            case BIT -> from == Family.BIT ? o + "+0" : null;
            case DATE -> from == Family.DATETIME || from == Family.TIMESTAMP ? "CAST(" + o + " AS DATE)" : null;
            case DATETIME -> from.hasDate() ? "CAST(" + o + " AS DATETIME(" + typeArguments(ghost, "0") + "))" : null;
            case TIMESTAMP -> switch (from) {
                case DATE, DATETIME -> "CAST(" + o + " AS DATETIME(" + typeArguments(ghost, "0") + "))";
                // A lower precision truncates, as the copy's assignment does.
                case TIMESTAMP -> "CAST(TRUNCATE(UNIX_TIMESTAMP(" + o + "), " + typeArguments(ghost, "0") + ") AS DECIMAL(24,6))";
                default -> null;
            };
            case TIME -> from == Family.TIME ? "CAST(" + o + " AS TIME(" + typeArguments(ghost, "0") + "))" : null;
            case YEAR, OTHER -> null;
        };
        if (projected == null) {
            return Optional.empty();
        }
        String onGhost = switch (to) {
            case FLOAT -> "CAST(" + g + " AS DOUBLE)";
            case ENUM, SET, BIT -> g + "+0";
            case TIMESTAMP -> from == Family.TIMESTAMP ? "CAST(UNIX_TIMESTAMP(" + g + ") AS DECIMAL(24,6))" : g;
            default -> g;
        };
        return Optional.of(new Projection(projected, onGhost));
    }

    /**
     * Empty when a range of the original's chunking key, compared with the ghost's key columns, selects exactly the
     * ghost rows copied from that range (the ALTER keeps the key's order); otherwise why not, and ghost rows must be
     * found by joining on the key.
     */
    public static Optional<String> keyOrderDifference(List<KeyColumn> key) {
        return key.stream().map(VerifyProjection::keyOrderProblem).flatMap(Optional::stream).findFirst();
    }

    /** Empty when every ghost key column can be matched to the original's by an indexed join; otherwise why not. */
    public static Optional<String> keyJoinProblem(List<KeyColumn> key) {
        return key.stream()
                .filter(column -> ghostKeyFromOriginal(column).isEmpty() || originalKeyFromGhost(column, false).isEmpty())
                .findFirst()
                .map(column -> "chunking key column " + Identifiers.quote(column.original().name()) + " changes from "
                        + column.original().columnType() + " to " + column.ghost().columnType()
                        + ", which has no exact mapping between the two tables");
    }

    /** The ghost's value of the key column, computed from the original's row (o): an indexed lookup in the ghost. */
    static Optional<String> ghostKeyFromOriginal(KeyColumn column) {
        ColumnInfo original = column.original();
        ColumnInfo ghost = column.ghost();
        String o = "o." + Identifiers.quote(original.name());
        Family from = Family.of(original);
        Family to = Family.of(ghost);
        if (!safeCharset(original) || !safeCharset(ghost)) {
            return Optional.empty();
        }
        return Optional.ofNullable(switch (column.kind()) {
            // Member numbers, not names: an ENUM compared with a string compares the names.
            case ENUM -> to == Family.ENUM ? "(" + enumAsGhostIndex(o, original, ghost) + ")+0" : null;
            case SET -> to == Family.SET ? "(" + setAsGhostMask(o, original, ghost) + ")+0" : null;
            case TEXT -> switch (to) {
                case TEXT -> sameCollation(original, ghost) ? o
                        : (original.charset().equalsIgnoreCase(ghost.charset()) ? o : "CONVERT(" + o + " USING " + ghost.charset() + ")")
                          + " COLLATE " + ghost.collation();
                case BINARY -> "binary".equals(ghost.dataType()) ? "CAST(" + o + " AS BINARY(" + ghost.fixedBinaryLength() + "))"
                        : "CAST(" + o + " AS BINARY)";
                default -> null;
            };
            case BINARY -> to == Family.BINARY ? asGhostBinary(o, ghost) : null;
            case INTEGER -> to == Family.INT || to == Family.DECIMAL ? o : null;
            case DECIMAL -> to == Family.DECIMAL ? o : null;
            case FLOATING -> to == Family.FLOAT ? o : null;
            case TEMPORAL -> switch (to) {
                case DATE, DATETIME, TIMESTAMP -> from == Family.TIME ? null : o;
                case TIME -> from == Family.TIME ? o : null;
                default -> null;
            };
            case YEAR -> to == Family.YEAR ? o : null;
            case BIT -> to == Family.BIT ? o : null;
        });
    }

    /**
     * The original's value of the key column computed from the ghost's row (g): in the canonical form KeyColumn reads
     * ({@code select}), or comparable with the original's column. Empty where the ghost's value does not determine it.
     */
    static Optional<String> originalKeyFromGhost(KeyColumn column, boolean select) {
        ColumnInfo original = column.original();
        ColumnInfo ghost = column.ghost();
        String g = "g." + Identifiers.quote(ghost.name());
        if (!safeCharset(original) || !safeCharset(ghost)) {
            return Optional.empty();
        }
        return Optional.ofNullable(switch (column.kind()) {
            case ENUM -> Family.of(ghost) == Family.ENUM ? "(" + enumAsGhostIndex(g, ghost, original) + ")+0" : null;
            case SET -> Family.of(ghost) == Family.SET ? "(" + setAsGhostMask(g, ghost, original) + ")+0" : null;
            case TEXT -> select ? "CAST(CONVERT(" + g + " USING " + original.charset() + ") AS BINARY)"
                    : "CONVERT(" + g + " USING " + original.charset() + ") COLLATE " + original.collation();
            // Zero padding added by a wider BINARY cannot be told from data of a VARBINARY.
            case BINARY -> !"binary".equals(ghost.dataType()) || ghost.fixedBinaryLength() == original.fixedBinaryLength() ? g
                    : "binary".equals(original.dataType()) ? "CAST(LEFT(" + g + ", " + original.fixedBinaryLength() + ") AS BINARY("
                      + original.fixedBinaryLength() + "))" : null;
            case BIT -> select ? g + "+0" : g;
            default -> ghostKeyFromOriginal(column).isPresent() ? g : null;
        });
    }

    private static Optional<String> keyOrderProblem(KeyColumn column) {
        ColumnInfo original = column.original();
        ColumnInfo ghost = column.ghost();
        if (column.kind() == KeyColumn.Kind.ENUM || column.kind() == KeyColumn.Kind.SET) {
            // Ranges of member numbers are not range-optimised; the join looks rows up by equality.
            return Optional.of("chunking key column " + Identifiers.quote(original.name()) + " is an ENUM or SET");
        }
        if (original.columnType().equalsIgnoreCase(ghost.columnType()) && sameCollation(original, ghost)) {
            return Optional.empty();
        }
        Family from = Family.of(original);
        Family to = Family.of(ghost);
        boolean keepsOrder = switch (from) {
            case INT -> to == Family.INT || to == Family.DECIMAL;
            case DECIMAL -> to == Family.DECIMAL && decimalScale(ghost) >= decimalScale(original);
            case TEXT -> to == Family.TEXT && sameCollation(original, ghost);
            case BINARY -> to == Family.BINARY && (!"binary".equals(ghost.dataType())
                    || "binary".equals(original.dataType()) && ghost.fixedBinaryLength() >= original.fixedBinaryLength());
            case DATE -> to.hasDate();
            case DATETIME, TIMESTAMP -> (to == Family.DATETIME || to == Family.TIMESTAMP)
                    && fractionalDigits(ghost) >= fractionalDigits(original);
            case TIME -> to == Family.TIME && fractionalDigits(ghost) >= fractionalDigits(original);
            case BIT, YEAR -> from == to;
            default -> false;
        };
        return keepsOrder ? Optional.empty() : Optional.of("chunking key column " + Identifiers.quote(original.name())
                + " changes from " + original.columnType() + (original.collation() == null ? "" : " " + original.collation())
                + " to " + ghost.columnType() + (ghost.collation() == null ? "" : " " + ghost.collation()));
    }

    private static boolean sameCollation(ColumnInfo a, ColumnInfo b) {
        return a.collation() == null ? b.collation() == null : a.collation().equalsIgnoreCase(b.collation());
    }

    /** Character set and collation names go into SQL text: only plain names pass. */
    private static boolean safeCharset(ColumnInfo column) {
        return (column.charset() == null || column.charset().matches("[A-Za-z0-9_]+"))
                && (column.collation() == null || column.collation().matches("[A-Za-z0-9_]+"));
    }

    /** The digits inside the type's parentheses ("12,2" of decimal(12,2) unsigned), or {@code absent}. */
    private static String typeArguments(ColumnInfo column, String absent) {
        Matcher matcher = TYPE_ARGUMENTS.matcher(column.columnType().toLowerCase(Locale.ROOT));
        return matcher.find() ? matcher.group(1) : absent;
    }

    private static int fractionalDigits(ColumnInfo temporal) {
        return Integer.parseInt(typeArguments(temporal, "0"));
    }

    private static int decimalScale(ColumnInfo column) {
        if (Family.of(column) != Family.DECIMAL) {
            return 0;
        }
        String arguments = typeArguments(column, "10,0");
        int comma = arguments.indexOf(',');
        return comma < 0 ? 0 : Integer.parseInt(arguments.substring(comma + 1));
    }

    private static String asGhostText(String expression, ColumnInfo original, ColumnInfo ghost) {
        String converted = original.isTextual() && original.charset().equalsIgnoreCase(ghost.charset())
                ? expression : "CONVERT(" + expression + " USING " + ghost.charset() + ")";
        // CHAR drops trailing spaces: a VARCHAR's 'a ' is copied as 'a'.
        return "char".equals(ghost.dataType()) && !"char".equals(original.dataType())
                ? "TRIM(TRAILING ' ' FROM " + converted + ")" : converted;
    }

    /** A BINARY(n) ghost pads with zero bytes; any other binary string takes the bytes as they are. */
    private static String asGhostBinary(String expression, ColumnInfo ghost) {
        return "binary".equals(ghost.dataType()) ? "CAST(" + expression + " AS BINARY(" + ghost.fixedBinaryLength() + "))" : expression;
    }

    /** The ENUM's member number in {@code to}'s member list, matched by name (-1 where {@code to} lacks it). */
    private static String enumAsGhostIndex(String expression, ColumnInfo from, ColumnInfo to) {
        List<String> fromMembers = from.members();
        List<String> toMembers = to.members();
        if (fromMembers.equals(toMembers)) {
            return expression + "+0";
        }
        StringBuilder elt = new StringBuilder("ELT(" + expression + "+1, 0");
        for (String member : fromMembers) {
            elt.append(", ").append(memberIndex(toMembers, member));
        }
        return elt.append(")").toString();
    }

    /** The SET's bit mask over {@code to}'s member list, matched by name. */
    private static String setAsGhostMask(String expression, ColumnInfo from, ColumnInfo to) {
        List<String> fromMembers = from.members();
        List<String> toMembers = to.members();
        if (toMembers.size() >= fromMembers.size() && toMembers.subList(0, fromMembers.size()).equals(fromMembers)) {
            return expression + "+0";
        }
        List<String> bits = new ArrayList<>();
        for (int i = 0; i < fromMembers.size(); i++) {
            int target = memberIndex(toMembers, fromMembers.get(i));
            // A member the target lacks lands beyond its bits, so it never matches.
            int shift = target > 0 ? target - 1 : 63;
            bits.add("(((" + expression + "+0 >> " + i + ") & 1) << " + shift + ")");
        }
        return bits.isEmpty() ? "(" + expression + "+0)" : "(" + String.join(" | ", bits) + ")";
    }

    private static int memberIndex(List<String> members, String member) {
        int exact = members.indexOf(member);
        if (exact >= 0) {
            return exact + 1;
        }
        for (int i = 0; i < members.size(); i++) {
            if (members.get(i).equalsIgnoreCase(member)) {
                return i + 1;
            }
        }
        return -1;
    }
}
