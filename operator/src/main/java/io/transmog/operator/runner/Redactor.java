package io.transmog.operator.runner;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Last line of defence for credentials: every text the runner writes (status.message, cutOver.lastError, its log)
 * goes through here, so a database error that quotes the user name (MySQL's "Access denied for user 'x'@'h'") or
 * any text that happens to contain the password never leaves the pod. Values shorter than
 * {@value #MIN_LENGTH} characters are not replaced (they would garble ordinary words and are no secret worth the
 * name).
 */
public final class Redactor {

    public static final String MASK = "[redacted]";
    static final int MIN_LENGTH = 3;

    private final List<String> secrets;

    public Redactor(Collection<String> secrets) {
        this.secrets = secrets.stream().filter(Objects::nonNull).filter(s -> s.length() >= MIN_LENGTH).distinct()
                // Longest first, so that a secret containing another one is replaced whole.
                .sorted(Comparator.comparingInt(String::length).reversed()).toList();
    }

    public static Redactor none() {
        return new Redactor(List.of());
    }

    public String apply(String text) {
        if (text == null || secrets.isEmpty()) {
            return text;
        }
        String out = text;
        for (String secret : secrets) {
            out = out.replace(secret, MASK);
        }
        return out;
    }
}
