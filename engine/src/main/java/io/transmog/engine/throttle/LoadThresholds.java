package io.transmog.engine.throttle;

import io.transmog.engine.MigrationException;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/** gh-ost's load expression: {@code Threads_running=25,Threads_connected=500} (global status names). */
public record LoadThresholds(Map<String, Long> limits) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    /** Keeps the order the limits were written in, so they print back as given. */
    public LoadThresholds {
        limits = Collections.unmodifiableMap(new LinkedHashMap<>(limits));
    }

    public static LoadThresholds none() {
        return new LoadThresholds(Map.of());
    }

    public static LoadThresholds parse(String option, String expression) {
        if (expression == null || expression.isBlank()) {
            return none();
        }
        Map<String, Long> limits = new LinkedHashMap<>();
        for (String part : expression.split(",")) {
            String[] pair = part.split("=", 2);
            if (pair.length != 2 || !NAME.matcher(pair[0].trim()).matches()) {
                throw new MigrationException(option + " must look like Threads_running=25,Threads_connected=500; got \"" + expression + "\"");
            }
            try {
                limits.put(pair[0].trim(), Long.parseLong(pair[1].trim()));
            } catch (NumberFormatException e) {
                throw new MigrationException(option + ": \"" + pair[1].trim() + "\" is not a whole number");
            }
        }
        return new LoadThresholds(limits);
    }

    public boolean isEmpty() {
        return limits.isEmpty();
    }

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder();
        limits.forEach((k, v) -> out.append(out.length() == 0 ? "" : ",").append(k).append('=').append(v));
        return out.toString();
    }
}
