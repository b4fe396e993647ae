package io.transmog.engine.db;

import io.transmog.engine.MigrationException;

import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Warnings on a copy or apply statement are errors: a truncated or converted value is a
 * changed value. The one expected warning is a duplicate entry from INSERT IGNORE when
 * the applier already wrote that row.
 */
public final class Warnings {
    public static final int DUPLICATE_ENTRY = 1062;
    private static final Pattern KEY_NAME = Pattern.compile("for key '(?:[^']*\\.)?([^']*)'");

    private Warnings() {
    }

    /**
     * The duplicates an INSERT IGNORE reported: how many rows it skipped, and the first
     * duplicate on a unique key other than the chunking key, or null. Such a duplicate may
     * be a row already written (when that key is checked first) or a real collision,
     * which the caller must tell apart.
     */
    public record Duplicates(long count, String onOtherKey) {
    }

    /**
     * Throws on any warning but a duplicate entry, and reports the duplicates. The server lists at most
     * max_error_count warnings of a statement: should it have raised more than it listed, one of those not seen
     * could be a truncation, so that is an error too.
     */
    public static Duplicates requireOnlyDuplicates(Statement statement, String chunkKeyName, String what) throws SQLException {
        long count = 0;
        String otherKeyDuplicate = null;
        for (SQLWarning warning = statement.getWarnings(); warning != null; warning = warning.getNextWarning()) {
            if (warning.getErrorCode() != DUPLICATE_ENTRY) {
                throw changedData(what, warning);
            }
            count++;
            if (otherKeyDuplicate == null && !chunkKeyName.equalsIgnoreCase(duplicateKeyName(warning.getMessage()))) {
                otherKeyDuplicate = warning.getMessage();
            }
        }
        if (count > 0) {
            long raised = warningCount(statement);
            if (raised > count) {
                throw new MigrationException(what + " raised " + raised + " warnings, but the server listed only " + count
                        + " (its max_error_count), so the others cannot be checked: use a smaller --chunk-size");
            }
        }
        return new Duplicates(count, otherKeyDuplicate);
    }

    /** How many warnings the statement's execution raised, listed or not (a diagnostic: it keeps them). */
    private static long warningCount(Statement statement) throws SQLException {
        try (Statement count = statement.getConnection().createStatement();
             java.sql.ResultSet rs = count.executeQuery("SHOW COUNT(*) WARNINGS")) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    public static void requireNone(Statement statement, String what) throws SQLException {
        SQLWarning warning = statement.getWarnings();
        if (warning != null) {
            throw changedData(what, warning);
        }
    }

    public static MigrationException duplicate(String what, String message) {
        return new MigrationException(what + " found duplicate values for unique key '" + duplicateKeyName(message)
                + "' of the altered table (" + message + "): remove the duplicates or change the ALTER");
    }

    private static MigrationException changedData(String what, SQLWarning warning) {
        return new MigrationException(what + " would change data, so it stopped: MySQL warning "
                + warning.getErrorCode() + ": " + warning.getMessage());
    }

    static String duplicateKeyName(String message) {
        Matcher matcher = KEY_NAME.matcher(message == null ? "" : message);
        return matcher.find() ? matcher.group(1) : "";
    }
}
