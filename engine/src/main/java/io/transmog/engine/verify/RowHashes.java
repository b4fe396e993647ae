package io.transmog.engine.verify;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The fingerprint of a set of rows, whatever their order: the row count and the XOR of each row's hash, the first 128
 * bits of SHA-256 over its values. Each value goes in length-prefixed, NULL as a length no value has, so (NULL) differs
 * from (''), and ('ab', 'c') from ('a', 'bc'). A cryptographic hash keeps the XOR sound: with a linear one (CRC32) the
 * same wrong byte in two rows would cancel out. Rows are distinct (they hold a unique key), so no pair cancels either.
 * Computed here rather than by the server (SHA2() in SQL), because the hashing, its hex text and the conversion back to
 * numbers were the larger part of the server's CPU for a whole verification pass.
 */
final class RowHashes {
    private static final int NULL_LENGTH = -1;
    private final MessageDigest sha256;
    private final ByteBuffer length = ByteBuffer.allocate(Integer.BYTES);
    private long rows;
    private long high;
    private long low;

    RowHashes() {
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /** One value of the current row, in column order; null for SQL NULL. */
    void value(byte[] bytes) {
        length.clear();
        length.putInt(bytes == null ? NULL_LENGTH : bytes.length);
        sha256.update(length.array());
        if (bytes != null) {
            sha256.update(bytes);
        }
    }

    /** Ends the current row (after its values) and folds its hash in. */
    void endRow() {
        ByteBuffer hash = ByteBuffer.wrap(sha256.digest());
        high ^= hash.getLong();
        low ^= hash.getLong();
        rows++;
    }

    Fingerprint fingerprint() {
        return new Fingerprint(rows, high, low);
    }

    /** Equal for equal sets of rows; for different ones, equal with probability 2^-128. */
    record Fingerprint(long rows, long high, long low) {
    }
}
