package io.transmog.testdb;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * How a dedicated {@link MariaDbServer} is configured. {@code extraVariables} become
 * {@code --name=value} options after the harness's own (so they override them); a {@code null}
 * value gives a bare {@code --name} flag.
 */
public record ServerOptions(
    String binlogFormat,
    String binlogRowImage,
    boolean logBin,
    Map<String, String> extraVariables) {

  public ServerOptions {
    Objects.requireNonNull(binlogFormat, "binlogFormat");
    Objects.requireNonNull(binlogRowImage, "binlogRowImage");
    // LinkedHashMap keeps the caller's order (later options win) and allows null flag values.
    extraVariables =
        extraVariables == null
            ? Map.of()
            : Collections.unmodifiableMap(new LinkedHashMap<>(extraVariables));
  }

  /** ROW format, FULL row image, binary log on: what the engine needs. */
  public static ServerOptions defaults() {
    return new ServerOptions("ROW", "FULL", true, Map.of());
  }

  public ServerOptions withBinlogFormat(String format) {
    return new ServerOptions(format, binlogRowImage, logBin, extraVariables);
  }

  public ServerOptions withBinlogRowImage(String rowImage) {
    return new ServerOptions(binlogFormat, rowImage, logBin, extraVariables);
  }

  public ServerOptions withLogBin(boolean enabled) {
    return new ServerOptions(binlogFormat, binlogRowImage, enabled, extraVariables);
  }

  public ServerOptions withExtraVariables(Map<String, String> variables) {
    return new ServerOptions(binlogFormat, binlogRowImage, logBin, variables);
  }

  /** Adds (or replaces) one server option, e.g. {@code withVariable("lock_wait_timeout", "5")}. */
  public ServerOptions withVariable(String name, String value) {
    Map<String, String> variables = new LinkedHashMap<>(extraVariables);
    variables.put(name, value);
    return withExtraVariables(variables);
  }
}
