package io.transmog.engine;

import io.transmog.engine.db.ConnectionConfig;
import io.transmog.engine.db.Database;
import io.transmog.engine.db.TlsSettings;
import io.transmog.engine.support.MigrationRun;
import io.transmog.testdb.MariaDbServer;
import io.transmog.testdb.ServerOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * TLS on every connection against a server that demands it: its own CA and certificate (made with openssl here),
 * require_secure_transport=ON, and an account that must present a client certificate (REQUIRE X509). A migration
 * with the right CA and client certificate succeeds, the binlog stream included; a wrong CA, a host name the
 * certificate does not carry under --ssl-verify-identity, and no TLS at all each fail clearly, changing nothing.
 */
class TlsIT {
    private static final String USER = "x509user";
    private static final String PASSWORD = "Tls-pw-" + System.nanoTime();

    @TempDir
    static Path pki;
    private static MariaDbServer server;
    private static String database;

    @BeforeAll
    static void startServerThatRequiresTls() throws Exception {
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=transmog test CA",
                "-keyout", "ca-key.pem", "-out", "ca.pem");
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=some other CA",
                "-keyout", "other-ca-key.pem", "-out", "other-ca.pem");
        // The server's certificate names localhost only, not 127.0.0.1: host-name verification can then fail.
        Files.writeString(pki.resolve("san.ext"), "subjectAltName=DNS:localhost\n");
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", "server-key.pem", "-out", "server.csr");
        openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial", "-days", "2",
                "-extfile", "san.ext", "-out", "server.pem");
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + USER, "-keyout", "client-key.pem", "-out", "client.csr");
        openssl("x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial", "-days", "2",
                "-out", "client.pem");

        server = MariaDbServer.start(ServerOptions.defaults()
                .withVariable("ssl-ca", pki.resolve("ca.pem").toString())
                .withVariable("ssl-cert", pki.resolve("server.pem").toString())
                .withVariable("ssl-key", pki.resolve("server-key.pem").toString()));
        database = server.createDatabase("tls");
        server.execute(database, "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v VARCHAR(20))",
                "INSERT INTO t VALUES (1, 'one'), (2, 'two'), (3, 'three')",
                "CREATE USER '" + USER + "'@'%' IDENTIFIED BY '" + PASSWORD + "' REQUIRE X509",
                "GRANT ALL PRIVILEGES ON *.* TO '" + USER + "'@'%'",
                "SET GLOBAL require_secure_transport = ON");
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aMigrationOverVerifiedTlsWithAClientCertificateSucceeds() throws Exception {
        ConnectionConfig connection = connection("localhost", tls(TlsSettings.Mode.VERIFY_IDENTITY, "ca.pem", true));

        MigrationStatus result = MigrationRun.start(connection, "t", "ADD COLUMN w INT NOT NULL DEFAULT 5",
                MigrationRun.controls(100), b -> b).finish(Duration.ofMinutes(1));

        assertThat(result.phase()).as(result.message()).isEqualTo(Phase.Succeeded);
        assertThat(result.rowsCopied()).isEqualTo(3);
        try (Connection c = new Database(connection).connect()) {
            assertThat(Database.queryString(c, "SELECT GROUP_CONCAT(id, ':', w ORDER BY id) FROM `" + database + "`.t"))
                    .contains("1:5,2:5,3:5");
        }
    }

    @Test
    void aWrongCaIsRefusedNamingTlsAndNothingChanges() throws Exception {
        MigrationStatus result = MigrationRun.start(connection("localhost", tls(TlsSettings.Mode.VERIFY_CA, "other-ca.pem", true)),
                "t", "ADD COLUMN bad INT", MigrationRun.controls(100), b -> b).finish(Duration.ofMinutes(1));

        assertThat(result.phase()).isEqualTo(Phase.Failed);
        assertThat(result.message()).contains("with TLS (VERIFY_CA)").contains("--ssl-ca").doesNotContain(PASSWORD);
        assertThat(columns()).doesNotContain("bad");
    }

    @Test
    void aHostNameTheCertificateDoesNotCarryIsRefusedUnderVerifyIdentity() throws Exception {
        MigrationStatus result = MigrationRun.start(connection("127.0.0.1", tls(TlsSettings.Mode.VERIFY_IDENTITY, "ca.pem", true)),
                "t", "ADD COLUMN bad INT", MigrationRun.controls(100), b -> b).finish(Duration.ofMinutes(1));

        assertThat(result.phase()).isEqualTo(Phase.Failed);
        assertThat(result.message()).contains("with TLS (VERIFY_IDENTITY)").contains("certificate names 127.0.0.1");
        assertThat(columns()).doesNotContain("bad");
    }

    @Test
    void withoutTlsTheServerRefusesAndNothingChanges() throws Exception {
        MigrationStatus result = MigrationRun.start(connection("127.0.0.1", TlsSettings.disabled()),
                "t", "ADD COLUMN bad INT", MigrationRun.controls(100), b -> b).finish(Duration.ofMinutes(1));

        assertThat(result.phase()).isEqualTo(Phase.Failed);
        // MariaDB answers "access denied" to an account that requires X509; MySQL first wants the password sent under
        // TLS or its RSA key (caching_sha2_password): either way the message points at TLS.
        assertThat(result.message()).containsAnyOf("requires TLS or a client certificate (--ssl", "connect with TLS (--ssl)")
                .doesNotContain(PASSWORD);
        assertThat(columns()).doesNotContain("bad");
    }

    private static List<String> columns() throws Exception {
        try (Connection c = new Database(connection("localhost", tls(TlsSettings.Mode.VERIFY_CA, "ca.pem", true))).connect()) {
            return List.of(Database.queryString(c, "SELECT GROUP_CONCAT(COLUMN_NAME) FROM information_schema.COLUMNS"
                    + " WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 't'", database).orElse("").split(","));
        }
    }

    private static ConnectionConfig connection(String host, TlsSettings tls) {
        return new ConnectionConfig(host, server.port(), USER, PASSWORD, database, false, tls);
    }

    private static TlsSettings tls(TlsSettings.Mode mode, String ca, boolean clientCertificate) {
        return new TlsSettings(mode, Optional.of(pki.resolve(ca)),
                clientCertificate ? Optional.of(pki.resolve("client.pem")) : Optional.empty(),
                clientCertificate ? Optional.of(pki.resolve("client-key.pem")) : Optional.empty());
    }

    private static void openssl(String... arguments) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("openssl"));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).directory(pki.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor()).as("openssl " + String.join(" ", arguments) + ": " + output).isZero();
    }
}
