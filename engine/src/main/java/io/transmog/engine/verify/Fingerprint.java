package io.transmog.engine.verify;

import java.math.BigInteger;

/**
 * One side of a chunk summed up: its row count, the XOR of its rows' hashes and, where the server sums up (one CRC32 a
 * row, linear over XOR), the sum of their squares; zero where transmog hashes the rows ({@link RowHashes}, whose hashes
 * are not linear). Both sides of a chunk are summed up the same way: equal rows, equal fingerprints.
 */
record Fingerprint(long rows, long xor, BigInteger sumOfSquares) {
}
