package io.transmog.engine.sql;

import io.transmog.engine.MigrationException;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The user's ALTER, checked to be exactly one list of alter clauses for one table.
 * It is tokenized the way the server will read it (quotes, backticks, backslash escapes),
 * so a semicolon or a comment cannot hide a second statement, and clauses that would
 * change something other than the ghost table's definition are refused.
 */
public final class AlterClauses {
    private static final Set<String> REFUSED_FIRST_WORDS = Set.of(
            "DISCARD", "IMPORT", "TRUNCATE", "EXCHANGE", "COALESCE", "REORGANIZE", "REBUILD",
            "ANALYZE", "CHECK", "OPTIMIZE", "REPAIR", "REMOVE");

    private final String text;
    private final List<List<Token>> clauses;
    /** After DROP, words that name something other than a column. */
    private static final Set<String> DROPPED_NON_COLUMNS = Set.of(
            "INDEX", "KEY", "PRIMARY", "FOREIGN", "CONSTRAINT", "CHECK", "PARTITION", "SYSTEM", "PERIOD");

    private final Map<String, String> renamedColumns;
    private final Set<String> droppedColumns;

    private AlterClauses(String text, List<List<Token>> clauses) {
        this.text = text;
        this.clauses = clauses;
        this.renamedColumns = findRenamedColumns(clauses);
        this.droppedColumns = findDroppedColumns(clauses);
    }

    public static AlterClauses parse(String alter) {
        if (alter == null || alter.isBlank()) {
            throw new MigrationException("the ALTER is empty: give the alter clauses, e.g. \"ADD COLUMN c INT\"");
        }
        String text = alter.strip();
        List<List<Token>> clauses = split(tokenize(text));
        for (List<Token> clause : clauses) {
            check(clause);
        }
        return new AlterClauses(text, clauses);
    }

    /** The clauses as given, to follow {@code ALTER TABLE <ghost>}. */
    public String text() {
        return text;
    }

    /** Old name (lower case) to new name of every column the ALTER renames. */
    public Map<String, String> renamedColumns() {
        return renamedColumns;
    }

    /**
     * Names (lower case) of the columns the ALTER drops. A column of the same name that the
     * ALTER adds again is a new column, not the dropped one.
     */
    public Set<String> droppedColumns() {
        return droppedColumns;
    }

    public boolean setsAutoIncrement() {
        return clauses.stream().anyMatch(c -> c.get(0).isWord("AUTO_INCREMENT"));
    }

    private static void check(List<Token> clause) {
        if (clause.isEmpty()) {
            throw new MigrationException("the ALTER has an empty clause (two commas, or a trailing comma)");
        }
        Token first = clause.get(0);
        Token second = clause.size() > 1 ? clause.get(1) : null;
        if (first.isWord("ALTER") && second != null && second.isWord("TABLE")) {
            throw new MigrationException("give only the alter clauses, without \"ALTER TABLE <name>\": the table comes from --table");
        }
        if (first.isWord("RENAME") && (second == null
                || !(second.isWord("COLUMN") || second.isWord("INDEX") || second.isWord("KEY")))) {
            throw new MigrationException("the ALTER renames the table (RENAME TO): an online migration keeps the table's name; rename it separately");
        }
        if (first.isWord("ALGORITHM") || first.isWord("LOCK")) {
            throw new MigrationException("the ALTER sets " + first.value().toUpperCase(Locale.ROOT)
                    + "=: transmog chooses how the ghost table is altered; remove that clause");
        }
        if (REFUSED_FIRST_WORDS.contains(first.value().toUpperCase(Locale.ROOT)) && !first.quoted()) {
            throw new MigrationException("the ALTER clause \"" + first.value() + " ...\" is not a change of the table's definition and cannot run online");
        }
        if ((first.isWord("ADD") || first.isWord("DROP")) && second != null
                && (second.isWord("PARTITION") || second.isWord("PARTITIONING"))) {
            throw new MigrationException("the ALTER adds or drops partitions: dropping a partition deletes its rows; run partition maintenance separately");
        }
        for (Token token : clause) {
            if (token.isWord("FOREIGN") || token.isWord("REFERENCES")) {
                throw new MigrationException("the ALTER adds a foreign key: foreign keys are not supported by online migration");
            }
        }
    }

    private static Map<String, String> findRenamedColumns(List<List<Token>> clauses) {
        Map<String, String> renamed = new LinkedHashMap<>();
        for (List<Token> clause : clauses) {
            int i = 0;
            if (clause.get(0).isWord("CHANGE")) {
                i = 1;
                if (i < clause.size() && clause.get(i).isWord("COLUMN")) {
                    i++;
                }
                if (i + 1 < clause.size() && clause.get(i).isWord("IF") && clause.get(i + 1).isWord("EXISTS")) {
                    i += 2;
                }
                recordRename(renamed, clause, i, i + 1);
            } else if (clause.get(0).isWord("RENAME") && clause.size() > 1 && clause.get(1).isWord("COLUMN")) {
                // MariaDB: RENAME COLUMN [IF EXISTS] old TO new
                i = 2;
                if (i + 1 < clause.size() && clause.get(i).isWord("IF") && clause.get(i + 1).isWord("EXISTS")) {
                    i += 2;
                }
                recordRename(renamed, clause, i, i + 2);
            }
        }
        return Map.copyOf(renamed);
    }

    private static Set<String> findDroppedColumns(List<List<Token>> clauses) {
        Set<String> dropped = new HashSet<>();
        for (List<Token> clause : clauses) {
            if (!clause.get(0).isWord("DROP") || clause.size() < 2) {
                continue;
            }
            int i = 1;
            if (clause.get(i).isWord("COLUMN")) {
                i++;
            } else if (!clause.get(i).quoted() && DROPPED_NON_COLUMNS.contains(clause.get(i).value().toUpperCase(Locale.ROOT))) {
                continue;
            }
            if (i + 1 < clause.size() && clause.get(i).isWord("IF") && clause.get(i + 1).isWord("EXISTS")) {
                i += 2;
            }
            if (i < clause.size()) {
                dropped.add(clause.get(i).value().toLowerCase(Locale.ROOT));
            }
        }
        return Set.copyOf(dropped);
    }

    private static void recordRename(Map<String, String> renamed, List<Token> clause, int oldIndex, int newIndex) {
        if (newIndex >= clause.size()) {
            return;
        }
        String oldName = clause.get(oldIndex).value();
        String newName = clause.get(newIndex).value();
        if (!oldName.equalsIgnoreCase(newName)) {
            renamed.put(oldName.toLowerCase(Locale.ROOT), newName);
        }
    }

    record Token(String value, boolean quoted, boolean punctuation) {
        boolean isWord(String word) {
            return !quoted && !punctuation && value.equalsIgnoreCase(word);
        }
    }

    private static List<Token> tokenize(String text) {
        List<Token> tokens = new ArrayList<>();
        int i = 0;
        int n = text.length();
        while (i < n) {
            char c = text.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '#' || (c == '/' && i + 1 < n && text.charAt(i + 1) == '*')
                    || (c == '-' && i + 1 < n && text.charAt(i + 1) == '-'
                        && (i + 2 == n || Character.isWhitespace(text.charAt(i + 2)) || Character.isISOControl(text.charAt(i + 2))))) {
                throw new MigrationException("the ALTER contains a comment: comments are refused because they can hide SQL");
            } else if (c == ';') {
                throw new MigrationException("the ALTER contains a semicolon outside a string: give one list of alter clauses, not several statements");
            } else if (c == '\'' || c == '"') {
                int end = closingQuote(text, i, c, true);
                tokens.add(new Token(text.substring(i + 1, end), true, false));
                i = end + 1;
            } else if (c == '`') {
                int end = closingQuote(text, i, c, false);
                tokens.add(new Token(text.substring(i + 1, end).replace("``", "`"), true, false));
                i = end + 1;
            } else if (Character.isLetterOrDigit(c) || c == '_' || c == '$' || c == '@') {
                int start = i;
                while (i < n && (Character.isLetterOrDigit(text.charAt(i)) || "_$@.".indexOf(text.charAt(i)) >= 0)) {
                    i++;
                }
                tokens.add(new Token(text.substring(start, i), false, false));
            } else {
                if (Character.isISOControl(c)) {
                    throw new MigrationException("the ALTER contains a control character");
                }
                tokens.add(new Token(String.valueOf(c), false, true));
                i++;
            }
        }
        return tokens;
    }

    private static int closingQuote(String text, int open, char quote, boolean backslashEscapes) {
        for (int i = open + 1; i < text.length(); i++) {
            char c = text.charAt(i);
            if (backslashEscapes && c == '\\') {
                i++;
            } else if (c == quote) {
                if (i + 1 < text.length() && text.charAt(i + 1) == quote) {
                    i++;
                } else {
                    return i;
                }
            }
        }
        throw new MigrationException("the ALTER has an unterminated " + quote + " quote");
    }

    private static List<List<Token>> split(List<Token> tokens) {
        List<List<Token>> clauses = new ArrayList<>();
        List<Token> current = new ArrayList<>();
        int depth = 0;
        for (Token token : tokens) {
            if (token.punctuation() && token.value().equals("(")) {
                depth++;
            } else if (token.punctuation() && token.value().equals(")")) {
                if (--depth < 0) {
                    throw new MigrationException("the ALTER has an unbalanced closing parenthesis");
                }
            } else if (depth == 0 && token.punctuation() && token.value().equals(",")) {
                clauses.add(current);
                current = new ArrayList<>();
                continue;
            }
            current.add(token);
        }
        if (depth != 0) {
            throw new MigrationException("the ALTER has an unclosed parenthesis");
        }
        clauses.add(current);
        return clauses;
    }
}
