#!/usr/bin/env bash
# Writes bin/transmog, the launcher of what `make build` produced. Like the image's entry point
# (operator/src/main/docker/transmog), it has the product's commands:
#   bin/transmog migrate ...           the gh-ost-compatible CLI (engine CLI jar), as are all other commands
#   bin/transmog run <ns>/<name>       the in-pod runner of one SchemaMigration (operator application)
#   bin/transmog operator              the Kubernetes operator (operator application)
# JVM options come from TRANSMOG_JAVA_OPTS. Unset, `migrate` gets scripts/lib/cli-jvm-options: the CLI mostly waits on
# the server, and C2's compiler threads and G1's regions doubled its CPU seconds and its resident set (docs/benchmarks.md).
# `migrate` also maps a class-data sharing archive of the classes the CLI loads (the jar's name with .jsa, made here by a
# run that fails to connect): the JVM then loads them ready-parsed, and a migration reaches its copy about a
# quarter of a second sooner (1.2 against 1.0 s for a 1,000-row table, MariaDB 10.11; docs/benchmarks.md). A stale or
# missing archive (another JDK, a rebuilt jar) is skipped by the JVM without a word, and the CLI starts as before.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cli_jvm_options=$(cat "$root/scripts/lib/cli-jvm-options")
jar=$(ls "$root"/engine/target/transmog-engine-*-cli.jar | head -n 1)
app="$root/operator/target/quarkus-app/quarkus-run.jar"
[ -f "$app" ] || { echo "write-launcher: $app is missing: build the operator first (make build)" >&2; exit 1; }
mkdir -p "$root/bin"

archive="${jar%.jar}.jsa"
rm -f "$archive"
# Port 1 refuses at once: the run loads picocli, the engine's start and the driver's connect path, then exits 1. The
# password is a placeholder: nothing listens there to receive it.
# shellcheck disable=SC2086
TRANSMOG_PASSWORD=cds-training timeout 60 java $cli_jvm_options -XX:ArchiveClassesAtExit="$archive" \
  -Xlog:cds=off -Xlog:cds+dynamic=off -jar "$jar" migrate --host 127.0.0.1 --port 1 --user cds --database cds \
  --table cds --alter "ADD COLUMN cds INT" --execute >/dev/null 2>&1 || true
cds_options=""
if [ -s "$archive" ]; then
  cds_options="\"-XX:SharedArchiveFile=$archive\" -Xlog:cds=off -Xlog:cds+dynamic=off"
else
  echo "write-launcher: no class-data sharing archive was written (see the JVM's -XX:ArchiveClassesAtExit); bin/transmog migrate starts without one" >&2
fi
cat > "$root/bin/transmog" <<LAUNCHER
#!/usr/bin/env bash
# Written by scripts/write-launcher.sh (make build).
case "\${1:-}" in
  run)
    # The runner lives in the operator application; transmog.mode=runner keeps the controllers stopped.
    exec java \${TRANSMOG_JAVA_OPTS:-} -Dtransmog.mode=runner -jar "$app" "\$@"
    ;;
  operator)
    shift
    exec java \${TRANSMOG_JAVA_OPTS:-} -Dtransmog.mode=operator -jar "$app" "\$@"
    ;;
  *)
    exec java \${TRANSMOG_JAVA_OPTS-$cli_jvm_options} $cds_options -jar "$jar" "\$@"
    ;;
esac
LAUNCHER
chmod +x "$root/bin/transmog"
