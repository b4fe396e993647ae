package io.transmog.operator.runner;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Last line of defence for credentials: every text the runner writes (status.message, cutOver.lastError, its log)
 * goes through here, so a database error that quotes the user name (MySQL's "Access denied for user 'x'@'h'") or
 * any text that happens to contain the password never leaves the pod. A value is replaced where it stands as a
 * token of its own, not inside a longer word: a user named {@code mig} must not turn "migrating" into
 * "[redacted]rating". Values shorter than {@value #MIN_LENGTH} characters are not replaced (no secret worth the
 * name).
 */
public final class Redactor {

    public static final String MASK = "[redacted]";
    static final int MIN_LENGTH = 3;

    /** A character that would make a value part of a longer word or identifier. */
    private static final String WORD = "[\\p{Alnum}_$]";

    private final List<Pattern> secrets;

    public Redactor(Collection<String> secrets) {
        this.secrets = secrets.stream().filter(Objects::nonNull).filter(s -> s.length() >= MIN_LENGTH).distinct()
                // Longest first, so that a secret containing another one is replaced whole.
                .sorted(Comparator.comparingInt(String::length).reversed())
                .map(s -> Pattern.compile("(?<!" + WORD + ")" + Pattern.quote(s) + "(?!" + WORD + ")"))
                .toList();
    }

    public static Redactor none() {
        return new Redactor(List.of());
    }

    public String apply(String text) {
        if (text == null || secrets.isEmpty()) {
            return text;
        }
        String out = text;
        for (Pattern secret : secrets) {
            out = secret.matcher(out).replaceAll(Matcher.quoteReplacement(MASK));
        }
        return out;
    }
}
