package io.transmog.testdb;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Which database server the harness starts. {@link #MARIADB_10_11} is the host's own {@code
 * mariadbd} (installed by {@code scripts/ensure-test-deps.sh}); the others are unpacked into a
 * private cache by {@code scripts/provision-test-servers.sh} and may be missing, in which case
 * {@link #unavailableReason()} says why and the suites on them are skipped, visibly.
 *
 * <p>The flavor of {@link MariaDbServer#shared()} and {@link MariaDbServer#start(ServerOptions)} is
 * {@link #selected()}: the system property {@value #PROPERTY} ({@code mariadb-10.11} when unset).
 */
public enum ServerFlavor {
  MARIADB_10_11("mariadb-10.11", false, false),
  MYSQL_9_7("mysql-9.7", true, true),
  MARIADB_11_8("mariadb-11.8", false, true);

  /** System property naming the flavor of the servers a test JVM starts. */
  public static final String PROPERTY = "transmog.test.server";
  /** Where the provisioning script caches servers (system property, then environment variable). */
  static final String SERVERS_DIR_PROPERTY = "transmog.test.servers.dir";
  static final String SERVERS_DIR_ENV = "TRANSMOG_TEST_SERVERS_DIR";

  private static final Map<ServerFlavor, Installation> INSTALLATIONS = new ConcurrentHashMap<>();

  private final String id;
  private final boolean mySql;
  private final boolean provisioned;

  ServerFlavor(String id, boolean mySql, boolean provisioned) {
    this.id = id;
    this.mySql = mySql;
    this.provisioned = provisioned;
  }

  /** The name used by {@value #PROPERTY} and the provisioning script, e.g. {@code mysql-9.7}. */
  public String id() {
    return id;
  }

  public boolean isMySql() {
    return mySql;
  }

  public boolean isMariaDb() {
    return !mySql;
  }

  /** True for the servers unpacked by {@code scripts/provision-test-servers.sh}. */
  public boolean isProvisioned() {
    return provisioned;
  }

  /** The flavor named by {@value #PROPERTY}; {@link #MARIADB_10_11} when it is unset or blank. */
  public static ServerFlavor selected() {
    String value = System.getProperty(PROPERTY);
    return value == null || value.isBlank() ? MARIADB_10_11 : of(value.trim());
  }

  /** The flavor with this {@link #id()}. */
  public static ServerFlavor of(String id) {
    for (ServerFlavor flavor : values()) {
      if (flavor.id.equals(id)) {
        return flavor;
      }
    }
    throw new IllegalArgumentException("unknown server flavor '" + id + "' (" + PROPERTY
        + " must be one of " + Arrays.stream(values()).map(ServerFlavor::id)
            .collect(Collectors.joining(", ")) + ")");
  }

  /**
   * Why servers of this flavor cannot be started here, or empty when they can. Always empty for
   * {@link #MARIADB_10_11}: a missing host MariaDB is a broken set-up, reported as a failure.
   */
  public Optional<String> unavailableReason() {
    if (!provisioned) {
      return Optional.empty();
    }
    try {
      installation();
      return Optional.empty();
    } catch (Unavailable e) {
      return Optional.of(e.getMessage());
    }
  }

  @Override
  public String toString() {
    return id;
  }

  /** The unpacked server, as described by the provisioning script's stamp file. */
  Installation installation() {
    if (!provisioned) {
      throw new IllegalStateException(id + " is the host's own server, not a provisioned one");
    }
    return INSTALLATIONS.computeIfAbsent(this, flavor -> flavor.readInstallation(serversDir()));
  }

  static Path serversDir() {
    String dir = System.getProperty(SERVERS_DIR_PROPERTY);
    if (dir == null || dir.isBlank()) {
      dir = System.getenv(SERVERS_DIR_ENV);
    }
    if (dir == null || dir.isBlank()) {
      return Path.of(System.getProperty("user.home"), ".cache", "transmog", "servers");
    }
    return Path.of(dir);
  }

  /** This flavor as provisioned under {@code serversDir}; {@link Unavailable} if it is not. */
  Installation readInstallation(Path serversDir) {
    Path dir = serversDir.resolve(id);
    Path stamp = dir.resolve("stamp");
    Path marker = dir.resolve("UNAVAILABLE");
    if (!Files.isRegularFile(stamp)) {
      if (Files.isRegularFile(marker)) {
        throw new Unavailable(read(marker).trim());
      }
      throw new Unavailable(id + " is not provisioned (no " + stamp
          + "): run scripts/provision-test-servers.sh (part of make deps)");
    }
    Properties facts = new Properties();
    try (Reader reader = Files.newBufferedReader(stamp, StandardCharsets.UTF_8)) {
      facts.load(reader);
    } catch (IOException e) {
      throw new Unavailable(id + ": cannot read " + stamp + ": " + e.getMessage());
    }
    Path daemon = Path.of(facts.getProperty("daemon", ""));
    if (!Files.isExecutable(daemon)) {
      throw new Unavailable(id + ": " + stamp + " names no runnable server (" + daemon
          + "): run scripts/provision-test-servers.sh --force " + id);
    }
    return new Installation(
        daemon,
        optionalPath(facts, "basedir"),
        optionalPath(facts, "plugin_dir"),
        optionalPath(facts, "lc_messages_dir"),
        optionalPath(facts, "share_dir"),
        optionalPath(facts, "install_db"),
        facts.getProperty("server_version", "?"));
  }

  private static Path optionalPath(Properties facts, String key) {
    String value = facts.getProperty(key, "");
    return value.isBlank() ? null : Path.of(value);
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(cannot read " + file + ": " + e.getMessage() + ")";
    }
  }

  /**
   * A provisioned server's paths. {@code installDb} is mariadb-install-db (MariaDB only); any other
   * path may be null when the packages lack it.
   */
  record Installation(
      Path daemon,
      Path basedir,
      Path pluginDir,
      Path lcMessagesDir,
      Path shareDir,
      Path installDb,
      String serverVersion) {}

  /** A provisioned server that is not there; the message is the reason shown to the user. */
  static final class Unavailable extends RuntimeException {
    Unavailable(String message) {
      super(message);
    }
  }
}
