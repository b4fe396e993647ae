package io.transmog.engine.verify;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RowHashesTest {

    private static RowHashes.Fingerprint of(List<List<String>> rows) {
        RowHashes hashes = new RowHashes();
        for (List<String> row : rows) {
            row.forEach(value -> hashes.value(value == null ? null : value.getBytes(StandardCharsets.UTF_8)));
            hashes.endRow();
        }
        return hashes.fingerprint();
    }

    private static List<String> row(String... values) {
        return Arrays.asList(values);
    }

    @Test
    void theSameRowsInAnotherOrderGiveTheSameFingerprint() {
        assertThat(of(List.of(row("1", "a"), row("2", "b"), row("3", null))))
                .isEqualTo(of(List.of(row("3", null), row("1", "a"), row("2", "b"))));
    }

    @Test
    void oneChangedByteChangesIt() {
        assertThat(of(List.of(row("1", "abc"), row("2", "b"))))
                .isNotEqualTo(of(List.of(row("1", "abd"), row("2", "b"))));
    }

    @Test
    void nullEmptyAndShiftedBoundariesAreDifferentRows() {
        assertThat(of(List.of(row((String) null)))).isNotEqualTo(of(List.of(row(""))));
        assertThat(of(List.of(row("ab", "c")))).isNotEqualTo(of(List.of(row("a", "bc"))));
        assertThat(of(List.of(row("a", null)))).isNotEqualTo(of(List.of(row("a"))));
    }

    @Test
    void theSameWrongValueInTwoRowsDoesNotCancelOut() {
        // Two rows with one value wrong in the same way: a hash linear over XOR (CRC32) would map both differences to
        // the same bits, and their XOR would hide them.
        assertThat(of(List.of(row("1", "x"), row("2", "x"))))
                .isNotEqualTo(of(List.of(row("1", "y"), row("2", "y"))));
    }

    @Test
    void aMissingRowShowsInTheCountEvenWithNothingHashed() {
        assertThat(of(List.of(row(), row()))).isNotEqualTo(of(List.of(row())));
        assertThat(of(List.of(row(), row())).rows()).isEqualTo(2);
    }
}
