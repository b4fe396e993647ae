# shellcheck shell=bash
# Shared helpers for scripts that need a throwaway MariaDB server (demo, bench).
#
#   source scripts/lib/mariadb.sh
#   lib_install_traps            # cleanup on EXIT, Ctrl-C (INT), TERM, HUP
#   mdb_start [server-id]        # hermetic mariadbd in a temp dir, on a free port
#   mdb_root -e 'SELECT 1'       # client as root over the socket
#   mdb_app  -e 'SELECT 1'       # client as the generated non-root user over TCP
#   lib_on_exit 'some command'   # more cleanup, run in reverse order before mariadbd stops
#
# After mdb_start: MDB_DIR MDB_PORT MDB_SOCKET MDB_PID MDB_USER (all privileges, with GRANT OPTION: it
# creates the demo's migration account) MDB_PASSWORD_FILE
# MDB_ROOT_CNF MDB_APP_CNF (client option files) and MDB_VERSION are set. The server,
# its datadir and every file made here live under MDB_DIR, which cleanup removes; a
# watchdog also stops the server if the calling script dies without running its traps
# (kill -9). Tunables (env): MDB_BUFFER_POOL (512M), MDB_KEEP_DIR=1 keeps the dir.
#
# MDB_FLAVOR=mysql-9.7 (or mariadb-11.8) starts that server instead of the host's MariaDB 10.11: the one
# scripts/provision-test-servers.sh unpacked into ~/.cache/transmog/servers/<flavor>/ (its `stamp` names the
# daemon and its directories). MySQL gets GTIDs on and the X protocol off; its users authenticate with
# caching_sha2_password, so the TCP client uses TLS (the server's auto-generated certificate). The clients
# are the host's `mariadb`. MDB_SERVER (e.g. "mysqld 9.7.4-2") names the server that runs.

_LIB_CLEANUP=()
_LIB_CLEANING=0

# Registers a command (a string, eval'ed) to run at exit; later ones run first.
lib_on_exit() { _LIB_CLEANUP+=("$*"); }

_lib_cleanup() {
  local rc=$?
  trap - EXIT INT TERM HUP
  [ "$_LIB_CLEANING" = 1 ] && return "$rc"
  _LIB_CLEANING=1
  local i
  for ((i = ${#_LIB_CLEANUP[@]} - 1; i >= 0; i--)); do
    eval "${_LIB_CLEANUP[i]}" >/dev/null 2>&1 || true
  done
  exit "$rc"
}

lib_install_traps() {
  trap _lib_cleanup EXIT
  trap 'echo >&2; echo "interrupted; cleaning up" >&2; exit 130' INT
  trap 'exit 143' TERM
  trap 'exit 129' HUP
}

# Stops a process we started (by pid): TERM, wait up to $2 s (default 10), then KILL.
lib_stop_pid() {
  local pid=$1 grace=${2:-10} i
  [ -n "$pid" ] || return 0
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < grace * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  wait "$pid" 2>/dev/null || true
}

lib_now() { printf '%s' "$EPOCHREALTIME"; }            # seconds, microsecond precision
lib_elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$1" "$2"; }

_mdb_bin() {
  local name=$1
  if command -v "$name" >/dev/null 2>&1; then command -v "$name"
  elif [ -x "/usr/sbin/$name" ]; then echo "/usr/sbin/$name"
  else echo "mariadb.sh: $name not found (run scripts/ensure-test-deps.sh)" >&2; return 1
  fi
}

_mdb_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Client as root over the unix socket (no password: --auth-root-authentication-method=normal).
mdb_root() { mariadb --defaults-file="$MDB_ROOT_CNF" "$@"; }
# Client as the non-root user, over TCP like an application.
mdb_app() { mariadb --defaults-file="$MDB_APP_CNF" "$@"; }
# One value from a query (root).
mdb_value() { mdb_root --batch --skip-column-names -e "$1"; }

_mdb_tail_log() {
  echo "--- $MDB_DIR/error.log (tail) ---" >&2
  tail -n 25 "$MDB_DIR/error.log" >&2 2>/dev/null || true
}

_mdb_stop() {
  if [ -n "${MDB_WATCHDOG_PID:-}" ]; then
    kill -TERM "$MDB_WATCHDOG_PID" 2>/dev/null || true
    wait "$MDB_WATCHDOG_PID" 2>/dev/null || true
    MDB_WATCHDOG_PID=
  fi
  # SIGTERM is mariadbd's clean shutdown; KILL only if it hangs.
  lib_stop_pid "${MDB_PID:-}" 60
  MDB_PID=
  if [ -n "${MDB_DIR:-}" ] && [ -d "$MDB_DIR" ]; then
    if [ "${MDB_KEEP_DIR:-0}" = 1 ]; then echo "mariadb.sh: kept $MDB_DIR" >&2
    else rm -rf "$MDB_DIR"
    fi
  fi
}

_mdb_stamp() { sed -n "s/^$2=//p" "$1" | head -n 1; }

# mdb_start [server-id]: install a datadir, start the server, wait for it, create the app user.
mdb_start() {
  local server_id=${1:-$((1000 + RANDOM % 9000))}
  local mariadbd install_db attempt flavor=${MDB_FLAVOR:-mariadb-10.11} stamp
  local -a paths=() install=() extra=()
  _mdb_bin mariadb >/dev/null || return 1
  case "$flavor" in
    mariadb-10.11)
      mariadbd=$(_mdb_bin mariadbd) || return 1
      install_db=$(_mdb_bin mariadb-install-db) || return 1
      MDB_SERVER=mariadbd ;;
    mysql-9.7|mariadb-11.8)
      stamp="${TRANSMOG_TEST_SERVERS_DIR:-$HOME/.cache/transmog/servers}/$flavor/stamp"
      if [ ! -f "$stamp" ]; then
        echo "mariadb.sh: $flavor is not provisioned: $(cat "$(dirname "$stamp")/UNAVAILABLE" 2>/dev/null || echo "run scripts/provision-test-servers.sh $flavor")" >&2
        return 1
      fi
      mariadbd=$(_mdb_stamp "$stamp" daemon)
      paths=(--basedir="$(_mdb_stamp "$stamp" basedir)" --plugin-dir="$(_mdb_stamp "$stamp" plugin_dir)"
             --lc-messages-dir="$(_mdb_stamp "$stamp" lc_messages_dir)")
      MDB_SERVER="$(basename "$mariadbd")"
      if [ "$flavor" = mysql-9.7 ]; then
        install=("$mariadbd" --no-defaults "${paths[@]}" --initialize-insecure)
        extra=(--gtid-mode=ON --enforce-gtid-consistency=ON --mysqlx=OFF --innodb-redo-log-capacity=64M --secure-file-priv=)
      else
        install_db=$(_mdb_stamp "$stamp" install_db)
        [ -n "$install_db" ] || { echo "mariadb.sh: $flavor has no mariadb-install-db" >&2; return 1; }
        install=("$install_db" --no-defaults --basedir="$(_mdb_stamp "$stamp" basedir)" --auth-root-authentication-method=normal
                 --skip-test-db --skip-name-resolve)
      fi ;;
    *) echo "mariadb.sh: unknown MDB_FLAVOR $flavor (mariadb-10.11, mariadb-11.8, mysql-9.7)" >&2; return 1 ;;
  esac
  [ ${#install[@]} -gt 0 ] || install=("$install_db" --no-defaults --auth-root-authentication-method=normal
                                      --skip-test-db --skip-name-resolve)

  [ -n "$(trap -p EXIT)" ] || lib_install_traps   # cleanup must run however the caller ends
  MDB_DIR=$(mktemp -d "${TMPDIR:-/tmp}/transmog-mariadb.XXXXXX")
  lib_on_exit _mdb_stop
  _mdb_watchdog
  MDB_SOCKET="$MDB_DIR/mariadbd.sock"
  local -a as_root=()
  [ "$(id -u)" -eq 0 ] && as_root=(--user=root)   # mariadbd refuses to run as root without it

  if ! "${install[@]}" --datadir="$MDB_DIR/data" "${as_root[@]}" >"$MDB_DIR/install-db.log" 2>&1; then
    echo "mariadb.sh: initializing the datadir ($flavor) failed:" >&2
    tail -n 25 "$MDB_DIR/install-db.log" >&2
    return 1
  fi

  # The free port can be taken between picking and binding it: try a few.
  for attempt in 1 2 3 4 5; do
    MDB_PORT=$(_mdb_free_port)
    : >"$MDB_DIR/error.log"
    "$mariadbd" --no-defaults "${paths[@]}" "${extra[@]}" \
      --datadir="$MDB_DIR/data" --socket="$MDB_SOCKET" --pid-file="$MDB_DIR/mariadbd.pid" \
      --port="$MDB_PORT" --bind-address=127.0.0.1 --skip-name-resolve \
      --log-bin="$MDB_DIR/data/binlog" --binlog-format=ROW --binlog-row-image=FULL \
      --server-id="$server_id" "${as_root[@]}" \
      --innodb-buffer-pool-size="${MDB_BUFFER_POOL:-512M}" --innodb-flush-log-at-trx-commit=2 --sync-binlog=0 \
      --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
      --max-connections=300 --log-error="$MDB_DIR/error.log" \
      </dev/null >"$MDB_DIR/console.log" 2>&1 &
    MDB_PID=$!
    echo "$MDB_PID" >"$MDB_DIR/server.pid"
    if _mdb_wait_ready; then break; fi
    if grep -q "Address already in use\|Do you already have another server running on port\|Bind on TCP/IP port" "$MDB_DIR/error.log" && [ "$attempt" -lt 5 ]; then
      lib_stop_pid "$MDB_PID" 5; MDB_PID=
      continue
    fi
    echo "mariadb.sh: $MDB_SERVER ($flavor) did not start" >&2
    _mdb_tail_log
    return 1
  done

  MDB_ROOT_CNF="$MDB_DIR/root.cnf"
  printf '[client]\nuser=root\nsocket=%s\ndefault-character-set=utf8mb4\n' "$MDB_SOCKET" >"$MDB_ROOT_CNF"

  MDB_USER=transmog
  MDB_PASSWORD_FILE="$MDB_DIR/password"
  (umask 077; head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' >"$MDB_PASSWORD_FILE")
  local password; password=$(cat "$MDB_PASSWORD_FILE")
  mdb_root -e "CREATE USER '$MDB_USER'@'127.0.0.1' IDENTIFIED BY '$password';
               CREATE USER '$MDB_USER'@'localhost' IDENTIFIED BY '$password';
               GRANT ALL PRIVILEGES ON *.* TO '$MDB_USER'@'127.0.0.1' WITH GRANT OPTION;
               GRANT ALL PRIVILEGES ON *.* TO '$MDB_USER'@'localhost' WITH GRANT OPTION;" || { _mdb_tail_log; return 1; }
  MDB_APP_CNF="$MDB_DIR/app.cnf"
  (umask 077; printf '[client]\nuser=%s\npassword=%s\nhost=127.0.0.1\nport=%s\nprotocol=TCP\ndefault-character-set=utf8mb4\n' \
     "$MDB_USER" "$password" "$MDB_PORT" >"$MDB_APP_CNF"
   # caching_sha2_password needs a secure connection for a full authentication.
   if [ "$flavor" = mysql-9.7 ]; then printf 'ssl\n' >>"$MDB_APP_CNF"; fi)
  MDB_VERSION=$(mdb_value "SELECT VERSION()")
  MDB_FLAVOR=$flavor
}

_mdb_wait_ready() {
  local i
  for ((i = 0; i < 600; i++)); do              # up to 60 s
    if ! kill -0 "$MDB_PID" 2>/dev/null; then return 1; fi
    if [ -S "$MDB_SOCKET" ] && mariadb --no-defaults --socket="$MDB_SOCKET" -uroot -e 'SELECT 1' >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.1
  done
  return 1
}

# Started right after the temp dir exists: if this script dies without running its traps
# (kill -9), it stops the mariadbd whose pid is in $MDB_DIR/server.pid and removes the dir.
_mdb_watchdog() {
  local owner=$$ dir=$MDB_DIR
  (
    set +eu
    nap=
    trap 'kill "$nap" 2>/dev/null; exit 0' TERM
    trap '' INT HUP
    while kill -0 "$owner" 2>/dev/null; do sleep 1 & nap=$!; wait "$nap"; done
    server=$(cat "$dir/server.pid" 2>/dev/null)
    # Only a mariadbd of this dir: never a recycled pid.
    if [ -n "$server" ] && tr '\0' ' ' <"/proc/$server/cmdline" 2>/dev/null | grep -qF -- "--datadir=$dir/"; then
      kill -TERM "$server" 2>/dev/null
      for _ in $(seq 1 600); do
        [ -d "/proc/$server" ] && ! grep -q '^State:.*Z' "/proc/$server/status" 2>/dev/null || break
        sleep 0.1
      done
      kill -KILL "$server" 2>/dev/null
    fi
    rm -rf "$dir"
  ) </dev/null >/dev/null 2>&1 &
  MDB_WATCHDOG_PID=$!
}
