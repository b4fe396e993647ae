package io.transmog.engine.db;

import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/**
 * The sql_mode of the engine's sessions: the server's own, as gh-ost keeps it, so the ghost's ALTER and every copied
 * value obey the rules the server's own ALTER would (a zero date the server rejects is rejected); plus
 * STRICT_ALL_TABLES (a truncated value is an error, never a silent change) and NO_AUTO_VALUE_ON_ZERO (a copied 0 in
 * an AUTO_INCREMENT column stays 0). Modes that change how SQL text is read (ANSI_QUOTES, PIPES_AS_CONCAT, ...) are
 * dropped: the engine's statements are written for the default grammar. With --allow-zero-in-date, NO_ZERO_DATE and
 * NO_ZERO_IN_DATE are dropped too.
 */
public final class SqlMode {
    private static final Set<String> GRAMMAR_MODES = Set.of("ANSI_QUOTES", "PIPES_AS_CONCAT", "NO_BACKSLASH_ESCAPES",
            "IGNORE_SPACE", "ANSI", "ORACLE", "MSSQL", "DB2", "POSTGRESQL", "MAXDB");
    private static final Set<String> ZERO_DATE_MODES = Set.of("NO_ZERO_DATE", "NO_ZERO_IN_DATE");

    private SqlMode() {
    }

    public static String forEngine(String serverMode, boolean allowZeroInDate) {
        Set<String> modes = new LinkedHashSet<>();
        for (String mode : serverMode.split(",")) {
            String name = mode.strip().toUpperCase(Locale.ROOT);
            if (!name.isEmpty() && !GRAMMAR_MODES.contains(name) && !(allowZeroInDate && ZERO_DATE_MODES.contains(name))) {
                modes.add(name);
            }
        }
        modes.add("STRICT_ALL_TABLES");
        modes.add("NO_AUTO_VALUE_ON_ZERO");
        return String.join(",", modes);
    }
}
