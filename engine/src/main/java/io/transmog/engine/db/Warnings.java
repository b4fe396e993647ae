package io.transmog.engine.db;

import io.transmog.engine.MigrationException;

import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Warnings on a copy or apply statement are errors: a truncated or converted value is a
 * changed value. The one expected warning is a duplicate on the chunking key, which
 * INSERT IGNORE reports when the applier already wrote that row.
 */
public final class Warnings {
    private static final int DUPLICATE_ENTRY = 1062;
    private static final Pattern KEY_NAME = Pattern.compile("for key '(?:[^']*\\.)?([^']*)'");

    private Warnings() {
    }

    public static void requireNone(Statement statement, String chunkKeyName, String what) throws SQLException {
        for (SQLWarning warning = statement.getWarnings(); warning != null; warning = warning.getNextWarning()) {
            if (warning.getErrorCode() == DUPLICATE_ENTRY) {
                String key = duplicateKeyName(warning.getMessage());
                if (chunkKeyName.equalsIgnoreCase(key)) {
                    continue;
                }
                throw new MigrationException(what + " found duplicate values for unique key '" + key
                        + "' of the altered table (" + warning.getMessage() + "): remove the duplicates or change the ALTER");
            }
            throw new MigrationException(what + " would change data, so it stopped: MySQL warning "
                    + warning.getErrorCode() + ": " + warning.getMessage());
        }
    }

    static String duplicateKeyName(String message) {
        Matcher matcher = KEY_NAME.matcher(message == null ? "" : message);
        return matcher.find() ? matcher.group(1) : "";
    }
}
