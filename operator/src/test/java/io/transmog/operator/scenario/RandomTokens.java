package io.transmog.operator.scenario;

import java.security.SecureRandom;

/** Random names and passwords: found nowhere else, so a leak of one is unmistakable. */
public final class RandomTokens {
    private static final String ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789";
    private static final SecureRandom RANDOM = new SecureRandom();

    private RandomTokens() {
    }

    public static String of(int length) {
        StringBuilder s = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            s.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        return s.toString();
    }
}
