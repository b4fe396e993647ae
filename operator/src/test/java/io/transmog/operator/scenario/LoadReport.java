package io.transmog.operator.scenario;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * What one phase of the write load did, as its writers saw it: batches that went through, every error, the rows it
 * inserted and had acknowledged (each by its unique email), the rows its DELETEs removed, and each batch's due time
 * and latency (epoch microseconds, so a check in another process can place them against the cut-over). Written as
 * JSON by the demo's load process, read by its checks.
 *
 * @param samples {@code [dueEpochMicros, latencyMicros]} per batch
 */
public record LoadReport(int phase, int writers, long batches, List<String> errors, List<String> acknowledgedInserts,
                         long rowsDeleted, List<long[]> samples) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The prefix of the emails of the rows this phase inserted: {@code p<phase>-w<writer>-<sequence>@load.test}. */
    public static String emailPrefix(int phase) {
        return "p" + phase + "-w";
    }

    /** Batches due in {@code [from, to]} and the longest of their latencies. */
    public record Window(long batches, long longestMillis) {
    }

    public Window window(Instant from, Instant to) {
        long start = ChronoUnit.MICROS.between(Instant.EPOCH, from);
        long end = ChronoUnit.MICROS.between(Instant.EPOCH, to);
        long count = 0;
        long longest = 0;
        for (long[] sample : samples) {
            if (sample[0] >= start && sample[0] <= end) {
                count++;
                longest = Math.max(longest, sample[1]);
            }
        }
        return new Window(count, longest / 1000);
    }

    public void write(Path file) {
        try {
            JSON.writeValue(file.toFile(), this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static LoadReport read(Path file) {
        try {
            return JSON.readValue(Files.readAllBytes(file), LoadReport.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the load report " + file, e);
        }
    }
}
