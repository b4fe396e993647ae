package io.transmog.testdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the harness finds provisioned servers, and explains a missing one (no server needed). */
class ServerFlavorTest {

  @Test
  void flavorsAreNamedAsTheSystemPropertyNamesThem() {
    assertThat(ServerFlavor.of("mysql-9.7")).isEqualTo(ServerFlavor.MYSQL_9_7);
    assertThat(ServerFlavor.of("mariadb-11.8").isMariaDb()).isTrue();
    assertThat(ServerFlavor.MARIADB_10_11.isProvisioned()).isFalse();
    assertThat(ServerFlavor.MARIADB_10_11.unavailableReason()).isEmpty();
    assertThatThrownBy(() -> ServerFlavor.of("mysql-8.0"))
        .hasMessageContaining("mariadb-10.11, mysql-9.7, mariadb-11.8");
  }

  @Test
  void missingServerIsExplained(@TempDir Path dir) {
    assertThatThrownBy(() -> ServerFlavor.MYSQL_9_7.readInstallation(dir))
        .isInstanceOf(ServerFlavor.Unavailable.class)
        .hasMessageContaining("mysql-9.7 is not provisioned")
        .hasMessageContaining("scripts/provision-test-servers.sh");
  }

  @Test
  void markerGivesTheProvisioningScriptsReason(@TempDir Path dir) throws Exception {
    Files.createDirectories(dir.resolve("mariadb-11.8"));
    Files.writeString(dir.resolve("mariadb-11.8/UNAVAILABLE"),
        "mariadb-11.8 (trixie) is UNAVAILABLE: apt-get update of Debian trixie failed\n");
    assertThatThrownBy(() -> ServerFlavor.MARIADB_11_8.readInstallation(dir))
        .hasMessage("mariadb-11.8 (trixie) is UNAVAILABLE: apt-get update of Debian trixie failed");
  }

  @Test
  void stampNamesTheUnpackedServer(@TempDir Path dir) throws Exception {
    Path daemon = dir.resolve("mysql-9.7/root/usr/sbin/mysqld");
    Files.createDirectories(daemon.getParent());
    Files.writeString(daemon, "#!/bin/sh\n");
    daemon.toFile().setExecutable(true);
    Files.writeString(dir.resolve("mysql-9.7/stamp"), "# comment\nname=mysql-9.7\n"
        + "server_version=mysqld  Ver 9.7.4-2 for Linux on x86_64 ((Debian))\n"
        + "daemon=" + daemon + "\nbasedir=" + dir.resolve("mysql-9.7/root/usr")
        + "\nplugin_dir=\n");
    ServerFlavor.Installation installation = ServerFlavor.MYSQL_9_7.readInstallation(dir);
    assertThat(installation.daemon()).isEqualTo(daemon);
    assertThat(installation.basedir()).isEqualTo(dir.resolve("mysql-9.7/root/usr"));
    assertThat(installation.pluginDir()).isNull();
    assertThat(installation.installDb()).isNull();
    assertThat(installation.serverVersion()).contains("Ver 9.7.4");

    Files.delete(daemon);
    assertThatThrownBy(() -> ServerFlavor.MYSQL_9_7.readInstallation(dir))
        .hasMessageContaining("--force mysql-9.7");
  }
}
