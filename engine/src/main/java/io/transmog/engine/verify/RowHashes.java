package io.transmog.engine.verify;

import java.math.BigInteger;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;

/**
 * The fingerprint of a set of rows, whatever their order: the row count and the XOR of each row's 64-bit hash. Each
 * value goes in length-prefixed, NULL as a length no value has, so (NULL) differs from (''), and ('ab', 'c') from
 * ('a', 'bc'). Computed here rather than by the server (SHA2() in SQL): the hashing, its hex text and the conversion
 * back to numbers were the larger part of the server's CPU for a whole verification pass.
 * <p>
 * A row's hash is its CRC32C and its CRC32 side by side (two polynomials, both computed by the CPU's own instructions),
 * put through MurmurHash3's 64-bit finalizer. A row that differs goes unseen only if its difference is a multiple of
 * both polynomials: never for a difference spanning 32 bits or less, about 2^-64 otherwise. The finalizer is a bijection
 * (so one differing row always shows), and it is not linear: without it the XOR of CRCs would cancel out the same wrong
 * byte in two rows, as CRCs are linear over XOR. Rows are distinct (they hold a unique key), so no pair cancels either.
 * <p>
 * A row's length prefixes and values are gathered in a small buffer and hashed in one update per CRC: four updates a
 * value had cost three times as much CPU (2M sysbench rows: 630 against 220 ms) as the hashing itself. A value too
 * large for the buffer is hashed where it lies, after what the buffer holds, so the bytes hashed are the same and a
 * row of megabytes is not copied.
 */
final class RowHashes {
    private static final int NULL_LENGTH = -1;
    private static final int ROW_BUFFER_BYTES = 16 * 1024;
    private final CRC32C castagnoli = new CRC32C();
    private final CRC32 ieee = new CRC32();
    private final byte[] buffer;
    private int buffered;
    private long rows;
    private long xor;

    RowHashes() {
        this(ROW_BUFFER_BYTES);
    }

    /** With a buffer of the given size (at least a length prefix's); only tests choose one. */
    RowHashes(int bufferBytes) {
        this.buffer = new byte[Math.max(Integer.BYTES, bufferBytes)];
    }

    /** One value of the current row, in column order; null for SQL NULL. */
    void value(byte[] bytes) {
        int n = bytes == null ? NULL_LENGTH : bytes.length;
        if (buffer.length - buffered < Integer.BYTES) {
            flush();
        }
        buffer[buffered] = (byte) (n >>> 24);
        buffer[buffered + 1] = (byte) (n >>> 16);
        buffer[buffered + 2] = (byte) (n >>> 8);
        buffer[buffered + 3] = (byte) n;
        buffered += Integer.BYTES;
        if (bytes == null) {
            return;
        }
        if (bytes.length <= buffer.length - buffered) {
            System.arraycopy(bytes, 0, buffer, buffered, bytes.length);
            buffered += bytes.length;
        } else {
            flush();
            castagnoli.update(bytes);
            ieee.update(bytes);
        }
    }

    /** Ends the current row (after its values) and folds its hash in. */
    void endRow() {
        flush();
        xor ^= finalizer(castagnoli.getValue() << 32 | ieee.getValue());
        castagnoli.reset();
        ieee.reset();
        rows++;
    }

    private void flush() {
        castagnoli.update(buffer, 0, buffered);
        ieee.update(buffer, 0, buffered);
        buffered = 0;
    }

    Fingerprint fingerprint() {
        return new Fingerprint(rows, xor, BigInteger.ZERO);
    }

    /** MurmurHash3's fmix64: every input bit flips each output bit with probability about one half. */
    private static long finalizer(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb9fe1a85ec53L;
        k ^= k >>> 33;
        return k;
    }
}
