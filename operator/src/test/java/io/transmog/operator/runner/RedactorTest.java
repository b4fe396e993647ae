package io.transmog.operator.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

class RedactorTest {

    @Test
    void replacesEveryOccurrenceLongestFirst() {
        Redactor r = new Redactor(List.of("app", "app-secret-1"));
        assertThat(r.apply("user app, password app-secret-1, again app-secret-1"))
                .isEqualTo("user [redacted], password [redacted], again [redacted]");
    }

    @Test
    void ignoresNullsAndValuesTooShortToBeSecrets() {
        Redactor r = new Redactor(Arrays.asList(null, "", "ab"));
        assertThat(r.apply("a table named ab")).isEqualTo("a table named ab");
        assertThat(r.apply(null)).isNull();
    }
}
