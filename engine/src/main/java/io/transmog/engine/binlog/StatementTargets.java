package io.transmog.engine.binlog;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The tables a statement from the binlog changes, read from its words. A QUERY event that changes the migrated table
 * while it is copied (DDL, or DML logged as a statement) stops the migration; everything else that merely shares its
 * name (an event, a view, a trigger or routine named like it, a {@code CREATE TABLE x LIKE t}) must not.
 * DML is judged conservatively: any mention of the table counts, because its rows are then not in row events.
 */
public final class StatementTargets {
    /**
     * A table as a statement names it: database empty when the statement leaves it to the session's default; name
     * empty for every table of the database (DROP DATABASE).
     */
    public record Table(String database, String name) {
    }

    /** What a statement may change: named tables, or, for DML, anything it mentions. */
    public sealed interface Targets permits Tables, Dml {
    }

    /** @param createdTrigger the name of the trigger a CREATE TRIGGER makes, else empty */
    public record Tables(List<Table> tables, Optional<String> createdTrigger) implements Targets {
    }

    /** A data change logged as a statement (a session in STATEMENT or MIXED format); its targets are not parsed. */
    public record Dml() implements Targets {
    }

    private static final Set<String> DML = Set.of("INSERT", "UPDATE", "DELETE", "REPLACE", "LOAD", "CALL", "DO", "HANDLER");
    private static final Set<String> CREATE_MODIFIERS = Set.of("OR", "REPLACE", "TEMPORARY", "UNIQUE", "FULLTEXT", "SPATIAL",
            "ONLINE", "OFFLINE", "IGNORE", "AGGREGATE");

    private static final Set<String> DEFINED_OBJECTS = Set.of("TRIGGER", "TABLE", "VIEW", "EVENT", "PROCEDURE", "FUNCTION");

    private final List<String> words;
    private int at;
    private boolean temporary;

    private StatementTargets(String sql) {
        this.words = words(sql);
    }

    public static Targets of(String sql) {
        return new StatementTargets(sql).parse();
    }

    private Targets parse() {
        String first = at < words.size() && !words.get(at).startsWith("`") ? words.get(at++).toUpperCase(Locale.ROOT) : "";
        if (DML.contains(first)) {
            return new Dml();
        }
        List<Table> tables = new ArrayList<>();
        Optional<String> createdTrigger = Optional.empty();
        switch (first) {
            case "ALTER" -> {
                skipWhile(Set.of("ONLINE", "IGNORE"));
                if (accept("TABLE")) {
                    skipIfExists();
                    tableName().ifPresent(tables::add);
                }
            }
            case "CREATE" -> {
                skipDefinerAndModifiers();
                if (temporary) {
                    break;
                }
                if (accept("TABLE")) {
                    skipIfNotExists();
                    tableName().ifPresent(tables::add);
                } else if (accept("INDEX")) {
                    skipIfNotExists();
                    skipUntil("ON");
                    tableName().ifPresent(tables::add);
                } else if (accept("TRIGGER")) {
                    skipIfNotExists();
                    createdTrigger = tableName().map(Table::name);
                    skipUntil("ON");
                    tableName().ifPresent(tables::add);
                }
            }
            case "DROP" -> {
                if (accept("TEMPORARY")) {
                    // A session's temporary table, even one named like the migrated table, is never that table.
                    break;
                }
                if (accept("TABLE") || accept("TABLES")) {
                    skipIfExists();
                    tableList(tables);
                } else if (accept("INDEX")) {
                    skipIfExists();
                    skipUntil("ON");
                    tableName().ifPresent(tables::add);
                } else if (accept("DATABASE") || accept("SCHEMA")) {
                    skipIfExists();
                    next().ifPresent(database -> tables.add(new Table(database, "")));
                }
            }
            case "RENAME" -> {
                if (accept("TABLE") || accept("TABLES")) {
                    tableList(tables);
                }
            }
            case "TRUNCATE" -> {
                accept("TABLE");
                tableName().ifPresent(tables::add);
            }
            default -> {
                // GRANT, FLUSH, ANALYZE, OPTIMIZE, events, views, routines, users ...: no table's rows or definition.
            }
        }
        return new Tables(List.copyOf(tables), createdTrigger);
    }

    private void tableList(List<Table> tables) {
        while (at < words.size()) {
            if (is(at, "TO") || is(at, ",") || is(at, "WAIT") || is(at, "NOWAIT")) {
                at++;
            } else if (is(at, "RESTRICT") || is(at, "CASCADE")) {
                return;
            } else {
                tableName().ifPresent(tables::add);
            }
        }
    }

    /** {@code name} or {@code db.name}, each part bare or back-quoted; the words list keeps dots as their own word. */
    private Optional<Table> tableName() {
        Optional<String> first = next();
        if (first.isEmpty()) {
            return Optional.empty();
        }
        if (is(at, ".")) {
            at++;
            return next().map(name -> new Table(first.get(), name));
        }
        return Optional.of(new Table("", first.get()));
    }

    private void skipDefinerAndModifiers() {
        while (at < words.size()) {
            if (CREATE_MODIFIERS.stream().anyMatch(modifier -> is(at, modifier))) {
                temporary |= is(at, "TEMPORARY");
                at++;
            } else if (is(at, "DEFINER")) {
                at++;
                // DEFINER = user@host: '=' and the user's parts are words of their own.
                while (at < words.size() && DEFINED_OBJECTS.stream().noneMatch(object -> is(at, object))) {
                    at++;
                }
            } else {
                return;
            }
        }
    }

    private void skipIfExists() {
        if (is(at, "IF") && is(at + 1, "EXISTS")) {
            at += 2;
        }
    }

    private void skipIfNotExists() {
        if (is(at, "IF") && is(at + 1, "NOT") && is(at + 2, "EXISTS")) {
            at += 3;
        }
    }

    private void skipWhile(Set<String> optional) {
        while (optional.stream().anyMatch(word -> is(at, word))) {
            at++;
        }
    }

    private void skipUntil(String word) {
        while (at < words.size() && !is(at, word)) {
            at++;
        }
        at++;
    }

    private boolean accept(String word) {
        if (is(at, word)) {
            at++;
            return true;
        }
        return false;
    }

    /** The word at {@code index} is this keyword or punctuation (a back-quoted identifier never is). */
    private boolean is(int index, String keyword) {
        return index < words.size() && !words.get(index).startsWith("`") && words.get(index).equalsIgnoreCase(keyword);
    }

    /** The next word as an identifier, back quotes removed. */
    private Optional<String> next() {
        if (at >= words.size()) {
            return Optional.empty();
        }
        String word = words.get(at++);
        return Optional.of(word.startsWith("`") ? word.substring(1) : word);
    }

    /**
     * Bare words as written, back-quoted identifiers marked by a leading back quote (so that a table called
     * {@code TABLE} is not a keyword), punctuation one character a word; comments dropped, string literals as {@code '}.
     */
    private static List<String> words(String sql) {
        List<String> words = new ArrayList<>();
        int i = 0;
        int n = sql.length();
        while (i < n) {
            char c = sql.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '/' && i + 2 < n && sql.charAt(i + 1) == '*' && sql.charAt(i + 2) == '!') {
                // A versioned comment (/*!40005 TEMPORARY */) is executed by the server: read what it holds.
                i += 3;
                while (i < n && Character.isDigit(sql.charAt(i))) {
                    i++;
                }
            } else if (c == '*' && i + 1 < n && sql.charAt(i + 1) == '/') {
                i += 2;
            } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
                int end = sql.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 2;
            } else if (c == '#' || (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-')) {
                int end = sql.indexOf('\n', i);
                i = end < 0 ? n : end + 1;
            } else if (c == '`') {
                StringBuilder name = new StringBuilder("`");
                i++;
                while (i < n) {
                    if (sql.charAt(i) == '`') {
                        if (i + 1 < n && sql.charAt(i + 1) == '`') {
                            name.append('`');
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    name.append(sql.charAt(i++));
                }
                words.add(name.toString());
            } else if (c == '\'' || c == '"') {
                i++;
                while (i < n && sql.charAt(i) != c) {
                    i += sql.charAt(i) == '\\' ? 2 : 1;
                }
                i++;
                words.add("'");
            } else if (Character.isLetterOrDigit(c) || c == '_' || c == '$') {
                int start = i;
                while (i < n && (Character.isLetterOrDigit(sql.charAt(i)) || sql.charAt(i) == '_' || sql.charAt(i) == '$')) {
                    i++;
                }
                words.add(sql.substring(start, i));
            } else {
                words.add(String.valueOf(c));
                i++;
            }
        }
        return words;
    }
}
