#!/usr/bin/env bash
# `make bench`: transmog against plain ALTER TABLE ... ALGORITHM=COPY and one INSERT ... SELECT, idle and under a
# paced write load of 1,000 and 2,000 writes/s, on a throwaway server the test harness starts. The measuring is
# Java (io.transmog.bench.Bench, in the engine's test code, beside the harness and the tests' checks); this script
# only finds the pieces. It appends the results to docs/benchmarks.md; its last line is one line for scripts.
#
# Env: DB (mariadb, the default = MariaDB 10.11; mysql = MySQL 9.7; mariadb-11.8), BENCH_ROWS (1000000; 10000000 for the 10M run),
# BENCH_JAVA_OPTS (transmog's JVM options; unset: the launcher's default, scripts/lib/cli-jvm-options), BENCH_CHUNK_SIZE (transmog's default when unset),
# BENCH_TRANSMOG_ARGS (more transmog options, e.g. "--copy-threads 1 --nice-ratio 0.5"; the report names them),
# BENCH_BUFFER_POOL (1G), BENCH_SERVER_OPTIONS (more server options, "name=value ...", e.g. innodb-log-writer-threads=OFF;
# the report names them), BENCH_KEEP=1 keeps the work dir (transmog's logs, GC logs), BENCH_LAUNCHER (bin/transmog:
# another build's launcher measures that build, for before/after figures from the same machine and hour).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
ROWS=${BENCH_ROWS:-1000000}
[[ $ROWS =~ ^[1-9][0-9]*$ ]] || { echo "bench: BENCH_ROWS must be a positive integer" >&2; exit 1; }
case "${DB:-mariadb}" in
  mariadb|mariadb-10.11) SERVER=mariadb-10.11 ;;
  mysql|mysql-9.7) SERVER=mysql-9.7 ;;
  mariadb-11.8) SERVER=mariadb-11.8 ;;
  *) echo "bench: DB must be mariadb, mysql or mariadb-11.8, not '$DB'" >&2; exit 1 ;;
esac
[ -x "${BENCH_LAUNCHER:-$ROOT/bin/transmog}" ] || { echo "bench: ${BENCH_LAUNCHER:-bin/transmog} is missing: run 'make build' (or 'make bench')" >&2; exit 1; }
# The launcher maps the CLI's class-data sharing archive; the JVM skips one older than the jar (any rebuild since
# `make build`, `make test` included) without a word, and the runs would measure a slower start than users get.
archive=$(grep -o 'SharedArchiveFile=[^"]*' "${BENCH_LAUNCHER:-$ROOT/bin/transmog}" | head -n 1 | cut -d= -f2-)
if [ -n "$archive" ] && { [ ! -f "$archive" ] || [ "$archive" -ot "${archive%.jsa}.jar" ]; }; then
  echo "bench: $archive is missing or older than its jar (rebuilt since 'make build'): run 'make build' (or 'make bench')" >&2; exit 1
fi
[ -f "$ROOT/engine/target/test-classpath.txt" ] || { echo "bench: engine/target/test-classpath.txt is missing: run 'make build'" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench: GNU time (/usr/bin/time, Debian package 'time') is needed for transmog's CPU and RSS" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/transmog-bench.XXXXXX")
if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "bench: keeping $WORK"; else trap 'rm -rf "$WORK"' EXIT; fi
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$ROOT" diff --quiet HEAD 2>/dev/null || COMMIT="$COMMIT+changes"

cd "$ROOT"
java -Xmx512m -cp "engine/target/test-classes:engine/target/classes:$(cat engine/target/test-classpath.txt)" \
  -Dtransmog.test.server="$SERVER" -Dbench.rows="$ROWS" -Dbench.launcher="${BENCH_LAUNCHER:-$ROOT/bin/transmog}" \
  -Dbench.javaOptions="${BENCH_JAVA_OPTS-$(cat "$ROOT/scripts/lib/cli-jvm-options")}" -Dbench.chunkSize="${BENCH_CHUNK_SIZE:-}" \
  -Dbench.transmogOptions="${BENCH_TRANSMOG_ARGS:-}" \
  -Dbench.bufferPool="${BENCH_BUFFER_POOL:-1G}" -Dbench.serverOptions="${BENCH_SERVER_OPTIONS:-}" -Dbench.report="$ROOT/docs/benchmarks.md" -Dbench.workDir="$WORK" \
  -Dbench.commit="$COMMIT" \
  io.transmog.bench.Bench
