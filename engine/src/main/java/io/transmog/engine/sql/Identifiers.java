package io.transmog.engine.sql;

import io.transmog.engine.MigrationException;

/** Quoting of schema and table names: every identifier the engine puts into SQL goes through here. */
public final class Identifiers {
    /** MySQL's limit; the ghost and old-table names add 5 characters to the table name. */
    public static final int MAX_LENGTH = 64;

    private Identifiers() {
    }

    public static String quote(String identifier) {
        return '`' + identifier.replace("`", "``") + '`';
    }

    public static String qualified(String database, String table) {
        return quote(database) + '.' + quote(table);
    }

    /**
     * Rejects names that no table can have, before any SQL runs. Anything else is only
     * ever used quoted, so a name like {@code t; DROP TABLE x} is just a table that does
     * not exist.
     */
    public static String requireValid(String kind, String identifier) {
        if (identifier == null || identifier.isEmpty()) {
            throw new MigrationException(kind + " name is empty");
        }
        if (identifier.length() > MAX_LENGTH) {
            throw new MigrationException(kind + " name is longer than " + MAX_LENGTH + " characters");
        }
        if (identifier.endsWith(" ")) {
            throw new MigrationException(kind + " name " + quote(identifier) + " ends with a space, which MySQL does not allow");
        }
        for (int i = 0; i < identifier.length(); i++) {
            if (Character.isISOControl(identifier.charAt(i))) {
                throw new MigrationException(kind + " name contains a control character");
            }
        }
        return identifier;
    }
}
