#!/usr/bin/env bash
# Provisions the extra database servers the hermetic test harness
# (io.transmog.testdb.MariaDbServer) can start besides the system's MariaDB 10.11:
#
#   mysql-9.7     Debian sid's mysql-server-core (+ its dependencies)
#   mariadb-11.8  Debian trixie's mariadb-server-core and mariadb-client-core (+ dependencies)
#
# Nothing is installed on the system. For each server a private apt configuration (its own
# sources list, lists, cache and archives directories and an EMPTY dpkg status file, so apt
# downloads every dependency down to libc) fetches the .debs with --download-only; each .deb is
# unpacked with dpkg-deb -x into one private root. These servers need a newer libc than the
# host's, so every ELF program in the root's bin/sbin is patched (with the root's own patchelf,
# run through the root's loader) to use the root's ld-linux-x86-64.so.2 and library directories;
# then they, and helper scripts such as mariadb-install-db, run as they are.
#
# Layout: ${TRANSMOG_TEST_SERVERS_DIR:-~/.cache/transmog/servers}/<name>/
#   root/         the unpacked packages
#   stamp         key=value facts the harness reads (daemon path, version, directories);
#                 written last, so its presence means "ready"
#   UNAVAILABLE   written instead when the server could not be provisioned: the reason, which
#                 the harness prints when it reports that server's suites as skipped
#
# Idempotent and cached: a server whose stamp exists and whose daemon still runs is left alone
# (one line per server). A server that could not be obtained is retried on the next run.
# The script never fails the build because a server is unobtainable: it says so loudly, writes
# the marker and exits 0.
#
# The Debian mirror is the one the host's apt sources use (override: TRANSMOG_DEBIAN_MIRROR).
#
# Usage: scripts/provision-test-servers.sh [--force] [NAME...]
#   --force   provision again even when cached
#   NAME      only these servers (mysql-9.7, mariadb-11.8); default all
set -uo pipefail

cache="${TRANSMOG_TEST_SERVERS_DIR:-${HOME:?HOME is not set}/.cache/transmog/servers}"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

log() { printf 'provision-test-servers: %s\n' "$*"; }
loud() {
  {
    printf '\n%s\n' '**********************************************************************'
    printf '*** provision-test-servers: %s\n' "$@"
    printf '%s\n\n' '**********************************************************************'
  } >&2
}

force=false
only=()
for arg in "$@"; do
  case "$arg" in
    --force) force=true ;;
    -h|--help) sed -n '2,32p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    mysql-9.7|mariadb-11.8) only+=("$arg") ;;
    *) echo "provision-test-servers: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

# The first non-security Debian archive URI of the host's apt sources (deb822 or one-line format).
debian_mirror() {
  if [ -n "${TRANSMOG_DEBIAN_MIRROR:-}" ]; then
    echo "$TRANSMOG_DEBIAN_MIRROR"
    return
  fi
  local f uri
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    uri=$(awk '
      function flush() { if (types ~ /(^| )deb( |$)/ && uris != "" && uris !~ /security/ && suites !~ /security/) { split(uris, u, " "); print u[1]; found = 1; exit } types = uris = suites = "" }
      /^[ \t]*$/ { flush(); next }
      /^Types:/  { sub(/^Types:[ \t]*/, "");  types = $0 }
      /^URIs:/   { sub(/^URIs:[ \t]*/, "");   uris = $0 }
      /^Suites:/ { sub(/^Suites:[ \t]*/, ""); suites = $0 }
      END { if (!found) flush() }' "$f")
    [ -n "$uri" ] && { echo "$uri"; return; }
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    uri=$(sed -e 's/\[[^]]*\]//' "$f" |
      awk '$1 == "deb" && $2 ~ /debian/ && $2 !~ /security/ && $3 !~ /security/ { print $2; exit }')
    [ -n "$uri" ] && { echo "$uri"; return; }
  done
}

# stamp_get FILE KEY
stamp_get() { sed -n "s/^$2=//p" "$1" 2>/dev/null | head -n 1; }

# provision NAME SUITE DAEMON PACKAGE...
provision() {
  local name=$1 suite=$2 daemon_name=$3
  shift 3
  local packages=("$@")
  local dir="$cache/$name" stamp="$cache/$name/stamp" marker="$cache/$name/UNAVAILABLE"
  local started=$SECONDS

  if ! $force && [ -f "$stamp" ]; then
    local daemon
    daemon=$(stamp_get "$stamp" daemon)
    if [ -n "$daemon" ] && "$daemon" --version >/dev/null 2>&1; then
      log "$name: cached, $(stamp_get "$stamp" server_version) ($dir)"
      return 0
    fi
    log "$name: cached copy no longer runs, provisioning again"
  fi

  local root="$dir/root" apt="$dir/apt" logf="$dir/provision.log"
  rm -rf "$root" "$apt" "$stamp"
  mkdir -p "$apt/etc/sources.list.d" "$apt/etc/preferences.d" "$apt/lists/partial" \
    "$apt/cache/archives/partial" "$apt/state" "$root" || return 1
  : >"$apt/state/status"
  : >"$logf"

  # unavailable REASON: loud, marker for the harness, and the root removed (half a root is no use).
  unavailable() {
    local reason="$name ($suite) is UNAVAILABLE: $1" detail
    detail=$(grep -m 1 '^E: ' "$logf" 2>/dev/null || grep -m 1 '^W: Failed to fetch' "$logf" 2>/dev/null)
    [ -n "$detail" ] && reason="$reason ($detail)"
    loud "$reason" "Test suites on $name will be reported as SKIPPED with this reason." \
      "Log: $logf"
    if [ -s "$logf" ]; then tail -n 15 "$logf" | sed 's/^/    /' >&2; fi
    printf '%s\n' "$reason" >"$marker"
    rm -rf "$root" "$apt" "$stamp"
    return 1
  }

  if [ "$(uname -m)" != x86_64 ]; then
    unavailable "only x86_64 hosts are supported (this is $(uname -m))"
    return 1
  fi
  local mirror
  mirror=$(debian_mirror)
  [ -n "$mirror" ] || { unavailable "no Debian mirror found in the host's apt sources (set TRANSMOG_DEBIAN_MIRROR)"; return 1; }
  [ -f "$keyring" ] || { unavailable "$keyring is missing (apt-get install debian-archive-keyring)"; return 1; }
  echo "deb [signed-by=$keyring] $mirror $suite main" >"$apt/etc/sources.list"

  # Everything private; the host's apt.conf.d stays in force (proxies, Check-Valid-Until), minus
  # its extra index targets. dpkg is never run.
  local opts=(
    -o "Dir::Etc::sourcelist=$apt/etc/sources.list"
    -o "Dir::Etc::sourceparts=$apt/etc/sources.list.d"
    -o "Dir::Etc::preferences=$apt/etc/preferences"
    -o "Dir::Etc::preferencesparts=$apt/etc/preferences.d"
    -o "Dir::State::Lists=$apt/lists"
    -o "Dir::State::status=$apt/state/status"
    -o "Dir::State::extended_states=$apt/state/extended_states"
    -o "Dir::Cache=$apt/cache"
    -o "Dir::Cache::archives=$apt/cache/archives"
    -o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache="
    -o "APT::Architecture=amd64" -o "APT::Architectures::=amd64"
    -o "APT::Install-Recommends=false" -o "APT::Install-Suggests=false"
    -o "Acquire::Languages=none"
    -o "Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false"
    -o "Acquire::IndexTargets::deb::DEP-11-icons::DefaultEnabled=false"
    -o "Acquire::IndexTargets::deb::DEP-11-icons-small::DefaultEnabled=false"
    -o "Acquire::IndexTargets::deb::DEP-11-icons-hidpi::DefaultEnabled=false"
    -o "Acquire::IndexTargets::deb::CNF::DefaultEnabled=false"
    -o "Acquire::Retries=2" -o "Acquire::http::Timeout=30" -o "Acquire::https::Timeout=30"
    -o "Debug::NoLocking=true"
  )
  log "$name: downloading ${packages[*]} from Debian $suite (private apt state in $apt)"
  if ! apt-get "${opts[@]}" --error-on=any update >>"$logf" 2>&1; then
    unavailable "apt-get update of Debian $suite failed"
    return 1
  fi
  if ! apt-get "${opts[@]}" install --download-only -y "${packages[@]}" patchelf >>"$logf" 2>&1; then
    unavailable "downloading ${packages[*]} from Debian $suite failed"
    return 1
  fi
  local version debs=("$apt"/cache/archives/*.deb)
  version=$(apt-cache "${opts[@]}" policy "${packages[0]}" 2>>"$logf" | awk '/Candidate:/ { print $2 }')
  [ -e "${debs[0]}" ] || { unavailable "apt downloaded no package"; return 1; }

  local deb
  for deb in "${debs[@]}"; do
    dpkg-deb -x "$deb" "$root" >>"$logf" 2>&1 || { unavailable "dpkg-deb -x $(basename "$deb") failed"; return 1; }
  done

  # The root's loader and library directories (every directory holding a lib*.so*, not plugins).
  local loader="" candidate
  for candidate in usr/lib64 lib64 usr/lib/x86_64-linux-gnu lib/x86_64-linux-gnu; do
    if [ -e "$root/$candidate/ld-linux-x86-64.so.2" ]; then
      loader="$root/$candidate/ld-linux-x86-64.so.2"
      break
    fi
  done
  [ -n "$loader" ] || { unavailable "no ld-linux-x86-64.so.2 in the unpacked packages"; return 1; }
  local libpath
  libpath=$(find "$root" \( -type f -o -type l \) -name 'lib*.so*' -printf '%h\n' |
    grep -v -e /plugin -e /perl | sort -u | paste -sd: -)

  # Patch every dynamically linked program in bin/sbin (patchelf itself last: it is running).
  local patchelf="$root/usr/bin/patchelf" program patched=0
  local run_patchelf=("$loader" --library-path "$libpath" "$patchelf")
  for program in "$root"/usr/sbin/* "$root"/usr/bin/* "$root"/bin/* "$root"/sbin/*; do
    [ -f "$program" ] && [ ! -L "$program" ] && [ "$program" != "$patchelf" ] || continue
    [ "$(head -c 4 "$program" | od -An -c | tr -d ' ')" = '177ELF' ] || continue
    "${run_patchelf[@]}" --print-interpreter "$program" >/dev/null 2>&1 || continue # static
    if "${run_patchelf[@]}" --set-interpreter "$loader" --force-rpath --set-rpath "$libpath" \
      "$program" >>"$logf" 2>&1; then
      patched=$((patched + 1))
    else
      echo "patchelf failed on $program" >>"$logf"
    fi
  done
  cp "$patchelf" "$patchelf.orig" &&
    "$loader" --library-path "$libpath" "$patchelf.orig" --set-interpreter "$loader" \
      --force-rpath --set-rpath "$libpath" "$patchelf" >>"$logf" 2>&1
  rm -f "$patchelf.orig"

  local daemon="$root/usr/sbin/$daemon_name"
  [ -x "$daemon" ] || { unavailable "the packages contain no usr/sbin/$daemon_name"; return 1; }
  local server_version
  if ! server_version=$("$daemon" --version 2>>"$logf"); then
    unavailable "$daemon_name does not run from the unpacked root ($patched programs patched)"
    return 1
  fi
  # Without the path, and without the banner some builds append: "(-- Please help ...)".
  server_version=$(echo "$server_version" | head -n 1 | sed -e "s|^$root/usr/sbin/||" -e 's/ *(--[^)]*)$//')

  # Server plugins live in usr/lib/mysql/plugin (mariadb-server-core ships none: the directory is
  # made anyway, so the server never looks into the host's /usr/lib/mysql/plugin).
  local plugin_dir="$root/usr/lib/mysql/plugin" messages
  mkdir -p "$plugin_dir"
  messages=$(find "$root/usr/share" -path '*/english/errmsg.sys' | head -n 1)
  messages=${messages%/english/errmsg.sys}

  rm -rf "$apt" # the .debs and lists are not needed once unpacked
  rm -f "$marker"
  {
    echo "# Written by scripts/provision-test-servers.sh; read by io.transmog.testdb.ServerFlavor."
    echo "name=$name"
    echo "suite=$suite"
    echo "package=${packages[0]} $version"
    echo "server_version=$server_version"
    echo "root=$root"
    echo "daemon=$daemon"
    echo "basedir=$root/usr"
    echo "plugin_dir=$plugin_dir"
    echo "lc_messages_dir=$messages"
    echo "share_dir=$messages"
    [ -x "$root/usr/bin/mariadb-install-db" ] && echo "install_db=$root/usr/bin/mariadb-install-db"
    echo "provisioned_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  } >"$stamp.tmp" && mv "$stamp.tmp" "$stamp"
  log "$name: ready, $server_version (${packages[0]} $version from Debian $suite, $((SECONDS - started)) s, $(du -sh "$root" | cut -f1) in $root)"
}

# check_series NAME EXPECTED: warn (loudly, but go on) when the version served moved on.
check_series() {
  local stamp="$cache/$1/stamp" version
  [ -f "$stamp" ] || return 0
  version=$(stamp_get "$stamp" server_version)
  case "$version" in
    *"Ver $2."*) ;;
    *) loud "$1: the server obtained is not $2.x: $version" "The suites still run on it." ;;
  esac
}

mkdir -p "$cache" || { loud "cannot create $cache"; exit 0; }
# Two checkouts running make deps at once must not unpack into the same root together.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$cache/.lock"
  flock 9
fi
want() { [ ${#only[@]} -eq 0 ] || [[ " ${only[*]} " == *" $1 "* ]]; }
if want mysql-9.7; then
  provision mysql-9.7 sid mysqld mysql-server-core
  check_series mysql-9.7 9.7
fi
if want mariadb-11.8; then
  provision mariadb-11.8 trixie mariadbd mariadb-server-core mariadb-client-core
  check_series mariadb-11.8 11.8
fi
exit 0
