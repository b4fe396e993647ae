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
    void leavesWordsThatOnlyContainAValueAlone() {
        Redactor r = new Redactor(List.of("mig", "p4ss!"));
        assertThat(r.apply("Migrating: migrated by mig; Access denied for user 'mig'@'host' (using password p4ss!)"))
                .isEqualTo("Migrating: migrated by [redacted]; Access denied for user '[redacted]'@'host' (using password [redacted])");
        assertThat(r.apply("mig_table and xmig stay")).isEqualTo("mig_table and xmig stay");
    }

    @Test
    void ignoresNullsAndValuesTooShortToBeSecrets() {
        Redactor r = new Redactor(Arrays.asList(null, "", "ab"));
        assertThat(r.apply("a table named ab")).isEqualTo("a table named ab");
        assertThat(r.apply(null)).isNull();
    }
}
