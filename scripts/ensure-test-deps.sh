#!/usr/bin/env bash
# Makes sure the MariaDB server binaries the hermetic test harness
# (io.transmog.testdb.MariaDbServer) starts are installed. Idempotent; prints one line.
set -euo pipefail

have_mariadbd() { command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ]; }
have_install_db() { command -v mariadb-install-db >/dev/null 2>&1; }

if have_mariadbd && have_install_db; then
  echo "ensure-test-deps: mariadbd already installed, nothing to do"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  if [ -n "${TRANSMOG_TEST_MYSQL_URL:-}" ]; then
    echo "ensure-test-deps: no mariadbd and no apt-get; tests needing a dedicated server will fail (TRANSMOG_TEST_MYSQL_URL is set)"
    exit 0
  fi
  echo "ensure-test-deps: mariadbd is missing and apt-get is unavailable; install mariadb-server or set TRANSMOG_TEST_MYSQL_URL" >&2
  exit 1
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "ensure-test-deps: mariadbd is missing; need root or sudo to install mariadb-server" >&2; exit 1; }
  SUDO=(sudo)
fi

# apt output only matters when it fails, so keep it in a log and show its tail then.
log=$(mktemp -t ensure-test-deps.XXXXXX)
trap 'rm -f "$log"' EXIT
if ! { "${SUDO[@]}" apt-get update >"$log" 2>&1 &&
       "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y mariadb-server mariadb-client >>"$log" 2>&1; }; then
  tail -n 30 "$log" >&2
  echo "ensure-test-deps: installing mariadb-server failed" >&2
  exit 1
fi

# The package may start a system server; the tests start their own, so stop and disable it.
"${SUDO[@]}" service mariadb stop >/dev/null 2>&1 || true
if command -v systemctl >/dev/null 2>&1; then "${SUDO[@]}" systemctl disable mariadb >/dev/null 2>&1 || true; fi
if command -v update-rc.d >/dev/null 2>&1; then "${SUDO[@]}" update-rc.d mariadb disable >/dev/null 2>&1 || true; fi

echo "ensure-test-deps: installed mariadb-server and mariadb-client from apt and stopped the system mariadb service"
