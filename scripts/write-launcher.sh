#!/usr/bin/env bash
# Writes bin/transmog, the launcher of what `make build` produced. Like the image's entry point
# (operator/src/main/docker/transmog), it has the product's commands:
#   bin/transmog migrate ...           the gh-ost-compatible CLI (engine CLI jar), as are all other commands
#   bin/transmog run <ns>/<name>       the in-pod runner of one SchemaMigration (operator application)
#   bin/transmog operator              the Kubernetes operator (operator application)
# JVM options come from TRANSMOG_JAVA_OPTS. Unset, `migrate` gets scripts/lib/cli-jvm-options: the CLI mostly waits on
# the server, and C2's compiler threads and G1's regions doubled its CPU seconds and its resident set (docs/benchmarks.md).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cli_jvm_options=$(cat "$root/scripts/lib/cli-jvm-options")
jar=$(ls "$root"/engine/target/transmog-engine-*-cli.jar | head -n 1)
app="$root/operator/target/quarkus-app/quarkus-run.jar"
[ -f "$app" ] || { echo "write-launcher: $app is missing: build the operator first (make build)" >&2; exit 1; }
mkdir -p "$root/bin"
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
    exec java \${TRANSMOG_JAVA_OPTS-$cli_jvm_options} -jar "$jar" "\$@"
    ;;
esac
LAUNCHER
chmod +x "$root/bin/transmog"
