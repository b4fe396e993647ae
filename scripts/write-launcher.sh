#!/usr/bin/env bash
# Writes bin/transmog, a launcher for the CLI jar that `make build` produced.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
jar=$(ls "$root"/engine/target/transmog-engine-*-cli.jar | head -n 1)
mkdir -p "$root/bin"
cat > "$root/bin/transmog" <<LAUNCHER
#!/usr/bin/env bash
exec java \${TRANSMOG_JAVA_OPTS:-} -jar "$jar" "\$@"
LAUNCHER
chmod +x "$root/bin/transmog"
