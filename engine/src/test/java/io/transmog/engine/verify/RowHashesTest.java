package io.transmog.engine.verify;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class RowHashesTest {

    private static Fingerprint of(List<List<String>> rows) {
        return of(new RowHashes(), rows);
    }

    private static Fingerprint of(RowHashes hashes, List<List<String>> rows) {
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
    void howTheRowBufferSplitsARowDoesNotChangeItsHash() {
        Random random = new Random(42);
        List<List<String>> rows = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            List<String> row = new ArrayList<>();
            for (int v = random.nextInt(6); v > 0; v--) {
                row.add(random.nextInt(8) == 0 ? null : "x".repeat(random.nextInt(100)) + i);
            }
            rows.add(row);
        }
        rows.add(row("y".repeat(70_000), "z", "w".repeat(20_000)));
        Fingerprint usual = of(rows);
        // Buffers smaller than most values, than a length prefix, and larger than any row.
        for (int size : new int[]{1, 4, 5, 13, 64, 1 << 20}) {
            assertThat(of(new RowHashes(size), rows)).as("buffer of %d bytes", size).isEqualTo(usual);
        }
    }

    @Test
    void oneChangedByteInAValueLargerThanTheBufferChangesIt() {
        String large = "v".repeat(50_000);
        Fingerprint original = of(List.of(row("1", large)));
        for (int at : new int[]{0, 16_000, 49_999}) {
            String changed = large.substring(0, at) + "w" + large.substring(at + 1);
            assertThat(of(List.of(row("1", changed)))).as("byte %d changed", at).isNotEqualTo(original);
        }
    }

    @Test
    void aMissingRowShowsInTheCountEvenWithNothingHashed() {
        assertThat(of(List.of(row(), row()))).isNotEqualTo(of(List.of(row())));
        assertThat(of(List.of(row(), row())).rows()).isEqualTo(2);
    }
}
