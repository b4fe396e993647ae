package io.transmog.testdb;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.opentest4j.TestAbortedException;

/**
 * A MariaDB or MySQL server for tests: either a hermetic server this class starts (temp datadir,
 * free port on 127.0.0.1, binary log on, ROW format, FULL row image, GTIDs, unique server id), or,
 * when {@code TRANSMOG_TEST_MYSQL_URL} is set, a handle to that external server (see {@link
 * #shared()}).
 *
 * <p>Which server it starts is its {@link ServerFlavor}: {@link ServerFlavor#selected()} (system
 * property {@code transmog.test.server}: {@code mariadb-10.11}, the default, {@code mysql-9.7} or
 * {@code mariadb-11.8}) unless given. A provisioned flavor that is not there aborts the calling
 * test (reported as skipped, with the reason, also printed on stderr) instead of failing it.
 *
 * <p>The harness's own connections use MySQL Connector/J, as the engine does, for every server.
 */
public final class MariaDbServer implements AutoCloseable {
  private static final String EXTERNAL_URL_ENV = "TRANSMOG_TEST_MYSQL_URL";
  private static final String HOST = "127.0.0.1";
  private static final String USER = "transmog";
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);
  /** Small, so that each server's copy of the template datadir is small. */
  private static final String MYSQL_REDO_LOG_CAPACITY = "32M";
  private static final boolean RUNNING_AS_ROOT = "root".equals(System.getProperty("user.name"));
  private static final SecureRandom RANDOM = new SecureRandom();
  // One password per JVM: a replica logs in to its primary with the same account.
  private static final String PASSWORD = "tm_" + randomToken(20);
  private static final AtomicInteger DATABASE_COUNTER = new AtomicInteger();
  private static final Set<Integer> USED_SERVER_IDS = ConcurrentHashMap.newKeySet();
  private static final Set<MariaDbServer> LIVE = ConcurrentHashMap.newKeySet();
  /**
   * Connector/J settings of every harness connection: no TLS; values as the server renders them
   * (text protocol, utf8mb4 results, TINYINT(1), BIT and YEAR as the numbers they are);
   * allowPublicKeyRetrieval lets it log in to an external MySQL 8+ (caching_sha2_password).
   */
  static final String DRIVER_OPTIONS = "sslMode=DISABLED&allowPublicKeyRetrieval=true&allowMultiQueries=false"
      + "&useServerPrepStmts=false&characterEncoding=UTF-8&characterSetResults=UTF-8&tinyInt1isBit=false"
      + "&transformedBitIsBoolean=false&yearIsDateType=false&connectionTimeZone=UTC"
      + "&zeroDateTimeBehavior=EXCEPTION&jdbcCompliantTruncation=false";

  /**
   * An application session's sql_mode that stores zero dates ({@code '0000-00-00'}, {@code '2020-00-15'}): strict,
   * as MariaDB's default is, and without MySQL's NO_ZERO_DATE and NO_ZERO_IN_DATE, which reject them. Tables made
   * under such a mode hold zero dates, which migrations carry with --allow-zero-in-date where the server's own
   * sql_mode (which the engine keeps) rejects them.
   */
  public static final String ZERO_DATES_SQL_MODE =
      "SET SESSION sql_mode = 'STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'";

  /** MariaDB's sequence tables, {@code seq_1_to_100}; see {@link #portable(String)}. */
  private static final Pattern SEQUENCE_TABLE = Pattern.compile(
      "\\bseq_([0-9]+)_to_([0-9]+)\\b"
          // An alias of the test's own, if one follows (a word that is not the next clause).
          + "(\\s+(?:AS\\s+)?(?!(?:WHERE|JOIN|ON|USING|GROUP|ORDER|LIMIT|UNION|LEFT|RIGHT|INNER|CROSS"
          + "|NATURAL|STRAIGHT_JOIN|HAVING|WINDOW|FOR|LOCK|INTO)\\b)[A-Za-z_][A-Za-z0-9_]*)?",
      Pattern.CASE_INSENSITIVE);
  /** The largest sequence a test uses on MySQL, as recursion depth of its CTE. */
  private static final long MAX_SEQUENCE_ROWS = 10_000_000;

  private static final Set<String> SKIP_NOTICES = ConcurrentHashMap.newKeySet();

  private static MariaDbServer shared;
  private static final Map<ServerFlavor, Path> TEMPLATES = new EnumMap<>(ServerFlavor.class);

  static {
    Runtime.getRuntime()
        .addShutdownHook(new Thread(MariaDbServer::shutdownAll, "transmog-testdb-shutdown"));
  }

  private final String host;
  private final int port;
  private final String user;
  private final String password;
  private final boolean external;
  private final ServerFlavor flavor;
  private final ServerOptions options;
  private final Path dataDir;
  private final Path socket;
  private final int serverId;
  private final MariaDbServer primary;
  private final List<MariaDbServer> replicas = new CopyOnWriteArrayList<>();
  private Process process;
  private boolean closed;

  private MariaDbServer(
      String host, int port, String user, String password, ServerFlavor flavor) {
    this.host = host;
    this.port = port;
    this.user = user;
    this.password = password;
    this.external = true;
    this.flavor = flavor;
    this.options = null;
    this.dataDir = null;
    this.socket = null;
    this.serverId = -1;
    this.primary = null;
  }

  private MariaDbServer(ServerFlavor flavor, ServerOptions options, Path dataDir, int port,
      int serverId, MariaDbServer primary) {
    this.host = HOST;
    this.port = port;
    this.user = USER;
    this.password = PASSWORD;
    this.external = false;
    this.flavor = flavor;
    this.options = options;
    this.dataDir = dataDir;
    this.serverId = serverId;
    this.primary = primary;
    // Unix socket paths are limited to ~108 bytes; a deep java.io.tmpdir would exceed that.
    Path inDataDir = dataDir.resolve("server.sock");
    this.socket =
        inDataDir.toString().length() < 100
            ? inDataDir
            : Path.of("/tmp", "tmg-" + randomToken(10) + ".sock");
  }

  /**
   * The JVM-wide server, started on first use with {@link ServerOptions#defaults()} and stopped by
   * a shutdown hook ({@link #close()} on it does nothing). If {@code TRANSMOG_TEST_MYSQL_URL}
   * ({@code mysql://user:password@host:port}) is set, a handle to that server instead; its flavor
   * is guessed from its version.
   */
  public static synchronized MariaDbServer shared() {
    if (shared == null) {
      if (usesExternalServer()) {
        shared = external(System.getenv(EXTERNAL_URL_ENV));
      } else {
        shared = start(ServerFlavor.selected(), ServerOptions.defaults());
      }
    }
    return shared;
  }

  /** A dedicated server of the {@linkplain ServerFlavor#selected() selected flavor}; close it. */
  public static MariaDbServer start(ServerOptions options) {
    return start(ServerFlavor.selected(), options);
  }

  /**
   * A dedicated server of this flavor; the caller closes it. Aborts the calling test (skipped, with
   * the reason) if the flavor is a provisioned one that is not there.
   */
  public static MariaDbServer start(ServerFlavor flavor, ServerOptions options) {
    assumeAvailable(flavor, callerName());
    return launch(flavor, options, null);
  }

  /** The first class outside this package on the stack: the test asking for a server. */
  private static String callerName() {
    return StackWalker.getInstance().walk(frames -> frames
        .map(StackWalker.StackFrame::getClassName)
        .filter(name -> !name.startsWith(MariaDbServer.class.getPackageName() + "."))
        .findFirst()
        .orElse("a test"));
  }

  /** True when {@code TRANSMOG_TEST_MYSQL_URL} points the tests at an existing server. */
  public static boolean usesExternalServer() {
    String url = System.getenv(EXTERNAL_URL_ENV);
    return url != null && !url.isBlank();
  }

  /**
   * Aborts the calling test (a JUnit assumption: reported as skipped, with the reason) when servers
   * of this flavor cannot be started here, and says so loudly on stderr, once per {@code who}.
   */
  public static void assumeAvailable(ServerFlavor flavor, String who) {
    Optional<String> reason = flavor.unavailableReason();
    if (reason.isPresent()) {
      String message = "SKIPPED " + who + " on " + flavor + ": " + reason.get();
      if (SKIP_NOTICES.add(who + "|" + flavor)) {
        System.err.println("*** " + message + " ***");
      }
      throw new TestAbortedException(message);
    }
  }

  /**
   * Starts a replica of this server (GTID replication from the start of this server's binary log,
   * so it gets everything written so far) and waits until both replication threads run. It is
   * closed with this server, or earlier by its own {@link #close()}.
   */
  public synchronized MariaDbServer startReplica() {
    requireManaged("startReplica");
    if (!options.logBin()) {
      throw new IllegalStateException("a replica needs the primary's binary log (logBin=true)");
    }
    MariaDbServer replica = launch(flavor, options, this);
    replicas.add(replica);
    try {
      if (flavor.isMySql()) {
        replica.execute(
            null,
            "CHANGE REPLICATION SOURCE TO SOURCE_HOST='" + HOST + "', SOURCE_PORT=" + port
                + ", SOURCE_USER='" + USER + "', SOURCE_PASSWORD='" + PASSWORD + "'"
                // Reconnect quickly after restart() of the primary (default is 60 s).
                + ", SOURCE_CONNECT_RETRY=1, SOURCE_AUTO_POSITION=1"
                // The source's dump thread notices a stopped replica at its next heartbeat; until
                // then it holds up the source's shutdown (default period: 30 s).
                + ", SOURCE_HEARTBEAT_PERIOD=1"
                // caching_sha2_password without TLS: fetch the source's RSA key for the password.
                + ", GET_SOURCE_PUBLIC_KEY=1",
            "START REPLICA");
      } else {
        replica.execute(
            null,
            "CHANGE MASTER TO MASTER_HOST='" + HOST + "', MASTER_PORT=" + port
                + ", MASTER_USER='" + USER + "', MASTER_PASSWORD='" + PASSWORD + "'"
                // Reconnect quickly after restart() of the primary (default is 60 s).
                + ", MASTER_CONNECT_RETRY=1, MASTER_USE_GTID=slave_pos",
            "START SLAVE");
      }
      replica.awaitReplicationRunning();
    } catch (RuntimeException e) {
      replica.close();
      throw e;
    }
    return replica;
  }

  /** On a replica: waits until it has applied everything its primary has logged so far. */
  public void awaitCaughtUp() {
    if (primary == null) {
      throw new IllegalStateException("not a replica");
    }
    String position;
    long result;
    if (flavor.isMySql()) {
      position = queryString(primary, "SELECT @@global.gtid_executed");
      result = queryLong(null, "SELECT WAIT_FOR_EXECUTED_GTID_SET('" + position + "', "
          + READY_TIMEOUT.toSeconds() + ")");
    } else {
      position = queryString(primary, "SELECT @@gtid_binlog_pos");
      result = queryLong(null,
          "SELECT MASTER_GTID_WAIT('" + position + "', " + READY_TIMEOUT.toSeconds() + ")");
    }
    if (result != 0) {
      throw new IllegalStateException("replica did not reach " + position + " within "
          + READY_TIMEOUT + ": " + replicationStatus());
    }
  }

  public String host() {
    return host;
  }

  public int port() {
    return port;
  }

  public String user() {
    return user;
  }

  public String password() {
    return password;
  }

  /** Which server this is (for an external server: guessed from its version). */
  public ServerFlavor flavor() {
    return flavor;
  }

  public boolean isMySql() {
    return flavor.isMySql();
  }

  public boolean isMariaDb() {
    return flavor.isMariaDb();
  }

  /** True for the {@code TRANSMOG_TEST_MYSQL_URL} server, which cannot be stopped or replicated. */
  public boolean isExternal() {
    return external;
  }

  /**
   * A URL carrying the credentials as they are (the driver does not URL-decode them);
   * {@code database} may be null for no default schema.
   */
  public String jdbcUrl(String database) {
    return urlWithoutCredentials(database) + "&user=" + user + "&password=" + password;
  }

  /**
   * A connection as the test user. On MySQL its session allows recursive CTEs as deep as {@link
   * #portable(String)}'s sequence tables need (the default stops at 1000 rows).
   */
  public Connection connect(String database) throws SQLException {
    // Credentials passed apart from the URL survive any character an external password contains.
    Connection connection =
        DriverManager.getConnection(urlWithoutCredentials(database), user, password);
    if (flavor.isMySql()) {
      try (Statement s = connection.createStatement()) {
        s.execute("SET SESSION cte_max_recursion_depth = " + MAX_SEQUENCE_ROWS);
      } catch (SQLException e) {
        connection.close();
        throw e;
      }
    }
    return connection;
  }

  private String urlWithoutCredentials(String database) {
    return "jdbc:mysql://" + host + ":" + port + "/" + (database == null ? "" : database)
        + "?" + DRIVER_OPTIONS;
  }

  /**
   * Runs each statement in order on one connection, after {@link #portable(String)}: tests may use
   * MariaDB's {@code seq_<from>_to_<to>} sequence tables on every flavor.
   */
  public void execute(String database, String... sql) {
    try (Connection c = connect(database);
        Statement s = c.createStatement()) {
      for (String statement : sql) {
        s.execute(portable(statement));
      }
    } catch (SQLException e) {
      throw new IllegalStateException("SQL failed on port " + port + ": " + e.getMessage(), e);
    }
  }

  /**
   * The statement as this server understands it. MariaDB's sequence engine gives every query the
   * tables {@code seq_<from>_to_<to>} (one BIGINT UNSIGNED column {@code seq}); MySQL has none, so
   * there each such name becomes a derived table of the same name and column, from a recursive CTE
   * (sessions of {@link #connect} allow the recursion depth it needs). Names inside quotes or
   * identifiers such as {@code seq_in_index} are not of that form and stay as they are.
   */
  public String portable(String sql) {
    if (!flavor.isMySql()) {
      return sql;
    }
    Matcher matcher = SEQUENCE_TABLE.matcher(sql);
    StringBuilder out = new StringBuilder();
    while (matcher.find()) {
      String from = matcher.group(1);
      String to = matcher.group(2);
      matcher.appendReplacement(out, Matcher.quoteReplacement(
          "(WITH RECURSIVE seq_rows (seq) AS (SELECT CAST(" + from + " AS UNSIGNED) UNION ALL"
              + " SELECT seq + 1 FROM seq_rows WHERE seq < " + to + ") SELECT seq FROM seq_rows)"
              + (matcher.group(3) != null ? matcher.group(3) : " AS seq_" + from + "_to_" + to)));
    }
    matcher.appendTail(out);
    return out.toString();
  }

  /** Creates a new, uniquely named schema and returns its name. */
  public String createDatabase(String prefix) {
    String clean =
        prefix == null ? "" : prefix.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
    clean = clean.isEmpty() ? "db" : clean.substring(0, Math.min(clean.length(), 40));
    // The random part keeps names unique across JVMs sharing an external server.
    String name = clean + "_" + DATABASE_COUNTER.incrementAndGet() + "_" + randomToken(6);
    execute(null, "CREATE DATABASE `" + name + "`");
    return name;
  }

  /** The first column of the first row; fails if there is no row or the value is NULL. */
  public long queryLong(String database, String sql) {
    return Long.parseLong(queryString(database, sql));
  }

  /** The first column of the first row as text; fails if there is no row or the value is NULL. */
  public String queryString(String database, String sql) {
    try (Connection c = connect(database);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(portable(sql))) {
      if (!rs.next()) {
        throw new IllegalStateException("no row from: " + sql);
      }
      String value = rs.getString(1);
      if (value == null) {
        throw new IllegalStateException("NULL from: " + sql);
      }
      return value;
    } catch (SQLException e) {
      throw new IllegalStateException("SQL failed on port " + port + ": " + e.getMessage(), e);
    }
  }

  /** The server process's id, to read its CPU time from /proc (benchmarks); managed servers only. */
  public synchronized long pid() {
    requireManaged("pid");
    if (process == null) {
      throw new IllegalStateException("server on port " + port + " is not running");
    }
    return process.pid();
  }

  public int serverId() {
    return external ? (int) queryLong(null, "SELECT @@server_id") : serverId;
  }

  /** Shuts the server down (SIGTERM), keeping its datadir for {@link #restart()}. */
  public synchronized void stop() {
    requireManaged("stop");
    if (process == null) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    process = null;
  }

  /** Stops (if running) and starts again on the same datadir and port. */
  public synchronized void restart() {
    requireManaged("restart");
    if (closed) {
      throw new IllegalStateException("server on port " + port + " is closed");
    }
    stop();
    boot();
  }

  /** Stops the server and its replicas and deletes the datadir; a no-op for the shared server. */
  @Override
  public void close() {
    synchronized (MariaDbServer.class) {
      if (this == shared) {
        return;
      }
    }
    destroy();
  }

  private synchronized void destroy() {
    if (external || closed) {
      return;
    }
    closed = true;
    for (MariaDbServer replica : replicas) {
      replica.destroy();
    }
    stop();
    deleteTree(dataDir);
    deleteTree(socket);
    LIVE.remove(this);
    if (primary != null) {
      primary.replicas.remove(this);
    }
  }

  @Override
  public String toString() {
    return (external ? "external " : "") + "MariaDbServer[" + flavor + " " + host + ":" + port
        + "]";
  }

  // ---- starting ----

  private static MariaDbServer external(String url) {
    URI uri = URI.create(url);
    String userInfo = uri.getRawUserInfo();
    String[] credentials = userInfo == null ? new String[0] : userInfo.split(":", 2);
    if (!"mysql".equals(uri.getScheme()) || uri.getHost() == null || credentials.length != 2) {
      throw new IllegalArgumentException(
          EXTERNAL_URL_ENV + " must look like mysql://user:password@host:port, got " + url);
    }
    return external(uri.getHost(), uri.getPort() == -1 ? 3306 : uri.getPort(),
        URLDecoder.decode(credentials[0], StandardCharsets.UTF_8),
        URLDecoder.decode(credentials[1], StandardCharsets.UTF_8));
  }

  /**
   * A handle to a server someone else started and stops (a script's, a container's), with the
   * same connections and helpers as the harness's own; its flavor is guessed from its version.
   */
  public static MariaDbServer external(String host, int port, String user, String password) {
    return new MariaDbServer(host, port, user, password, detectFlavor(host, port, user, password));
  }

  /** MySQL is taken for 9.7, MariaDB 11.x for 11.8 and any other MariaDB for 10.11. */
  private static ServerFlavor detectFlavor(String host, int port, String user, String password) {
    String url = "jdbc:mysql://" + host + ":" + port + "/?allowPublicKeyRetrieval=true";
    try (Connection c = DriverManager.getConnection(url, user, password);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT VERSION()")) {
      rs.next();
      String version = rs.getString(1);
      if (!version.contains("MariaDB")) {
        return ServerFlavor.MYSQL_9_7;
      }
      return version.startsWith("10.") ? ServerFlavor.MARIADB_10_11 : ServerFlavor.MARIADB_11_8;
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot connect to the server at " + host + ":" + port + " as " + user, e);
    }
  }

  private static MariaDbServer launch(
      ServerFlavor flavor, ServerOptions options, MariaDbServer primary) {
    Path template = template(flavor);
    RuntimeException failure = null;
    // The free port we picked can be taken before the server binds it; try a few.
    for (int attempt = 0; attempt < 3; attempt++) {
      Path dataDir = createTempDirectory("transmog-db-");
      copyTree(template, dataDir);
      // MySQL's server_uuid lives here; a replica with its primary's UUID refuses to replicate.
      deleteTree(dataDir.resolve("auto.cnf"));
      MariaDbServer server =
          new MariaDbServer(flavor, options, dataDir, freePort(), newServerId(), primary);
      LIVE.add(server);
      try {
        server.boot();
        server.createUser();
        return server;
      } catch (RuntimeException e) {
        server.destroy();
        failure = e;
        if (!String.valueOf(e.getMessage()).contains("Address already in use")) {
          throw e;
        }
      }
    }
    throw failure;
  }

  private void boot() {
    List<String> command = flavor.isMySql() ? mySqlCommand() : mariaDbCommand();
    options.extraVariables().forEach((name, value) ->
        command.add("--" + name + (value == null ? "" : "=" + value)));
    try {
      process = new ProcessBuilder(command)
          .redirectErrorStream(true)
          .redirectOutput(Redirect.appendTo(dataDir.resolve("console.log").toFile()))
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + command.get(0), e);
    }
    awaitReady();
  }

  /** Options every flavor understands, after the program and its installation paths. */
  private void addCommonOptions(List<String> command) {
    command.addAll(List.of(
        "--datadir=" + dataDir,
        "--port=" + port,
        "--bind-address=" + HOST,
        "--socket=" + socket,
        "--pid-file=" + dataDir.resolve("server.pid"),
        "--log-error=" + dataDir.resolve("error.log"),
        "--server-id=" + serverId,
        "--binlog-format=" + options.binlogFormat(),
        "--binlog-row-image=" + options.binlogRowImage(),
        "--skip-name-resolve",
        "--max-connections=500",
        "--innodb-buffer-pool-size=256M",
        "--innodb-flush-log-at-trx-commit=2",
        "--sync-binlog=0",
        // --no-defaults would otherwise leave latin1 on MariaDB, unlike any packaged server.
        "--character-set-server=utf8mb4",
        // Relay log names default to the host name; fixed names survive a renamed host.
        "--relay-log=relay-bin"));
    if (RUNNING_AS_ROOT) {
      command.add("--user=root"); // the servers refuse to run as root without it
    }
  }

  private List<String> mariaDbCommand() {
    List<String> command = new ArrayList<>();
    if (flavor.isProvisioned()) {
      ServerFlavor.Installation installation = flavor.installation();
      command.add(installation.daemon().toString());
      command.add("--no-defaults");
      // The unpacked server's own files, never the host's MariaDB 10.11 ones.
      addInstallationPaths(command, installation);
    } else {
      command.add(binary("mariadbd"));
      command.add("--no-defaults");
    }
    addCommonOptions(command);
    command.add("--collation-server=utf8mb4_general_ci");
    command.add("--innodb-log-file-size=16M");
    if (options.logBin()) {
      command.add("--log-bin=mariadb-bin");
      command.add("--log-slave-updates");
    }
    return command;
  }

  private List<String> mySqlCommand() {
    ServerFlavor.Installation installation = flavor.installation();
    List<String> command =
        new ArrayList<>(List.of(installation.daemon().toString(), "--no-defaults"));
    addInstallationPaths(command, installation);
    addCommonOptions(command);
    command.addAll(List.of(
        "--innodb-redo-log-capacity=" + MYSQL_REDO_LOG_CAPACITY,
        "--gtid-mode=ON",
        "--enforce-gtid-consistency=ON",
        "--secure-file-priv=",
        // The X protocol listens on 33060 by default: two servers would fight over it.
        "--mysqlx=OFF"));
    if (options.logBin()) {
      command.add("--log-bin=mysql-bin");
      command.add("--log-replica-updates");
    } else {
      command.add("--skip-log-bin"); // MySQL logs by default
    }
    return command;
  }

  private static void addInstallationPaths(
      List<String> command, ServerFlavor.Installation installation) {
    if (installation.basedir() != null) {
      command.add("--basedir=" + installation.basedir());
    }
    if (installation.lcMessagesDir() != null) {
      command.add("--lc-messages-dir=" + installation.lcMessagesDir());
    }
    if (installation.pluginDir() != null) {
      command.add("--plugin-dir=" + installation.pluginDir());
    }
    if (installation.shareDir() != null
        && Files.isDirectory(installation.shareDir().resolve("charsets"))) {
      command.add("--character-sets-dir=" + installation.shareDir().resolve("charsets"));
    }
  }

  private void awaitReady() {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    SQLException last = null;
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw startFailure(flavor + " server exited with code " + process.exitValue(), last);
      }
      try (Connection ignored = rootConnection()) {
        return;
      } catch (SQLException e) {
        last = e;
      }
      sleep(100);
    }
    process.destroyForcibly();
    throw startFailure(flavor + " server not ready within " + READY_TIMEOUT, last);
  }

  private IllegalStateException startFailure(String what, SQLException cause) {
    return new IllegalStateException(what + " (port " + port + ", datadir " + dataDir + ")\n"
        + "--- error.log ---\n" + tail(dataDir.resolve("error.log"), 30)
        + "--- console ---\n" + tail(dataDir.resolve("console.log"), 10), cause);
  }

  /** Creates the non-root test account; not binary-logged so replicas don't try to replay it. */
  private void createUser() {
    try (Connection c = rootConnection();
        Statement s = c.createStatement()) {
      s.execute("SET SESSION sql_log_bin = 0");
      // Anonymous accounts (''@localhost) would match before 'transmog'@'%' for local logins.
      List<String> anonymousHosts = new ArrayList<>();
      try (ResultSet rs = s.executeQuery("SELECT host FROM mysql.user WHERE user = ''")) {
        while (rs.next()) {
          anonymousHosts.add(rs.getString(1));
        }
      }
      for (String anonymousHost : anonymousHosts) {
        s.execute("DROP USER ''@'" + anonymousHost + "'");
      }
      for (String userHost : List.of("%", "127.0.0.1", "localhost")) {
        String account = "'" + USER + "'@'" + userHost + "'";
        s.execute("CREATE USER " + account + " IDENTIFIED BY '" + PASSWORD + "'");
        s.execute("GRANT ALL PRIVILEGES ON *.* TO " + account + " WITH GRANT OPTION");
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create test user on port " + port, e);
    }
  }

  /**
   * root has no password over TCP: MariaDB's template is installed with the "normal" auth method,
   * MySQL's gets a password-less 'root'@'127.0.0.1' (see {@link #template}).
   */
  private Connection rootConnection() throws SQLException {
    return DriverManager.getConnection(
        "jdbc:mysql://" + HOST + ":" + port + "/?user=root&connectTimeout=2000&" + DRIVER_OPTIONS);
  }

  private void awaitReplicationRunning() {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      String status = replicationStatus();
      if (status.contains("_IO_Running=Yes") && status.contains("_SQL_Running=Yes")) {
        return;
      }
      if (status.contains("_SQL_Running=No") && !status.contains("Last_SQL_Error=,")) {
        throw new IllegalStateException("replication failed: " + status);
      }
      sleep(100);
    }
    throw new IllegalStateException(
        "replication not running within " + READY_TIMEOUT + ": " + replicationStatus());
  }

  /**
   * The interesting SHOW SLAVE STATUS (MariaDB) or SHOW REPLICA STATUS (MySQL, which has no SLAVE
   * statements any more) fields as "name=value, ..." (for checks and messages).
   */
  private String replicationStatus() {
    String statement = flavor.isMySql() ? "SHOW REPLICA STATUS" : "SHOW SLAVE STATUS";
    List<String> fields = flavor.isMySql()
        ? List.of("Replica_IO_Running", "Replica_SQL_Running", "Last_IO_Error", "Last_SQL_Error",
            "Retrieved_Gtid_Set")
        : List.of("Slave_IO_Running", "Slave_SQL_Running", "Last_IO_Error", "Last_SQL_Error",
            "Gtid_IO_Pos");
    try (Connection c = connect(null);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(statement)) {
      if (!rs.next()) {
        return "(no replication configured)";
      }
      StringBuilder out = new StringBuilder();
      for (String field : fields) {
        out.append(field).append('=').append(rs.getString(field)).append(", ");
      }
      return out.toString();
    } catch (SQLException e) {
      throw new IllegalStateException(statement + " failed on port " + port, e);
    }
  }

  private static String queryString(MariaDbServer server, String sql) {
    try (Connection c = server.connect(null);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    } catch (SQLException e) {
      throw new IllegalStateException(
          "SQL failed on port " + server.port + ": " + e.getMessage(), e);
    }
  }

  private void requireManaged(String operation) {
    if (external) {
      throw new UnsupportedOperationException(operation + " is not possible on an external server");
    }
  }

  // ---- one-time set-up and clean-up ----

  /**
   * A freshly installed datadir, made once per JVM and flavor; each server starts from a copy,
   * which is faster than installing again.
   */
  private static synchronized Path template(ServerFlavor flavor) {
    Path template = TEMPLATES.get(flavor);
    if (template != null) {
      return template;
    }
    Path dir = createTempDirectory("transmog-template-");
    Path work = createTempDirectory("transmog-install-");
    Path log = work.resolve("install.log");
    List<String> command = new ArrayList<>();
    if (flavor.isMySql()) {
      ServerFlavor.Installation installation = flavor.installation();
      // Password-less root over TCP, like MariaDB's "normal" root: --skip-name-resolve means
      // 'root'@'localhost' does not match a connection from 127.0.0.1.
      Path initFile = work.resolve("init.sql");
      write(initFile, "CREATE USER 'root'@'127.0.0.1' IDENTIFIED BY '';\n"
          + "GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;\n");
      command.addAll(List.of(installation.daemon().toString(), "--no-defaults"));
      addInstallationPaths(command, installation);
      command.addAll(List.of(
          "--initialize-insecure",
          "--datadir=" + dir,
          "--init-file=" + initFile,
          "--log-error=" + log,
          "--innodb-redo-log-capacity=" + MYSQL_REDO_LOG_CAPACITY));
    } else {
      String installDb;
      if (flavor.isProvisioned()) {
        ServerFlavor.Installation installation = flavor.installation();
        if (installation.installDb() == null) {
          throw new IllegalStateException(flavor + " was provisioned without mariadb-install-db");
        }
        installDb = installation.installDb().toString();
      } else {
        installDb = binary("mariadb-install-db");
      }
      command.addAll(List.of(installDb, "--no-defaults"));
      if (flavor.isProvisioned()) {
        // Makes the script use the unpacked mariadbd, SQL files and messages.
        command.add("--basedir=" + flavor.installation().basedir());
      }
      command.addAll(List.of(
          "--datadir=" + dir,
          "--auth-root-authentication-method=normal",
          "--skip-test-db",
          "--skip-name-resolve",
          "--innodb-log-file-size=16M")); // 16M instead of 96M keeps each copy small
    }
    if (RUNNING_AS_ROOT) {
      command.add("--user=root");
    }
    Path output = work.resolve("output.log");
    try {
      Process install = new ProcessBuilder(command)
          .redirectErrorStream(true).redirectOutput(output.toFile()).start();
      if (!install.waitFor(120, TimeUnit.SECONDS) || install.exitValue() != 0) {
        install.destroyForcibly();
        throw new IllegalStateException("installing the " + flavor + " template datadir failed ("
            + String.join(" ", command) + "):\n" + tail(output, 30) + tail(log, 30));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command.get(0), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while installing the template datadir", e);
    } finally {
      deleteTree(work);
    }
    TEMPLATES.put(flavor, dir);
    return dir;
  }

  private static void shutdownAll() {
    for (MariaDbServer server : LIVE) {
      server.destroy();
    }
    synchronized (MariaDbServer.class) {
      TEMPLATES.values().forEach(MariaDbServer::deleteTree);
    }
  }

  private static String binary(String name) {
    String path = System.getenv().getOrDefault("PATH", "");
    List<String> dirs = new ArrayList<>(List.of(path.split(File.pathSeparator)));
    // sbin is often not on a non-root PATH, but that is where Debian puts mariadbd.
    dirs.addAll(List.of("/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"));
    for (String dir : dirs) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
        return Path.of(dir, name).toString();
      }
    }
    throw new IllegalStateException(name + " not found: run scripts/ensure-test-deps.sh (installs"
        + " mariadb-server) or set " + EXTERNAL_URL_ENV);
  }

  private static void write(Path file, String content) {
    try {
      Files.writeString(file, content, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port", e);
    }
  }

  /** Random and high, so it clashes neither with other servers nor with binlog clients' ids. */
  private static int newServerId() {
    while (true) {
      int id = ThreadLocalRandom.current().nextInt(100_000_000, 2_000_000_000);
      if (USED_SERVER_IDS.add(id)) {
        return id;
      }
    }
  }

  private static String randomToken(int length) {
    String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    StringBuilder token = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      token.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
    }
    return token.toString();
  }

  private static Path createTempDirectory(String prefix) {
    try {
      return Files.createTempDirectory(prefix);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void copyTree(Path from, Path to) {
    try (Stream<Path> paths = Files.walk(from)) {
      for (Path source : (Iterable<Path>) paths::iterator) {
        Path target = to.resolve(from.relativize(source).toString());
        if (Files.isDirectory(source)) {
          Files.createDirectories(target);
        } else {
          Files.copy(source, target, StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot copy " + from + " to " + to, e);
    }
  }

  private static void deleteTree(Path root) {
    if (root == null || !Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      // Best effort: a leftover temp dir must not fail a test.
    }
  }

  private static String tail(Path file, int lines) {
    try {
      // Lenient decoding: a log line with stray bytes must not hide the whole log.
      List<String> all =
          new String(Files.readAllBytes(file), StandardCharsets.UTF_8).lines().toList();
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size())) + "\n";
    } catch (IOException e) {
      return "(no " + file.getFileName() + ")\n";
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
