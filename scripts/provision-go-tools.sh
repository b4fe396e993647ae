#!/usr/bin/env bash
# Builds the Go programs the tests call, from the Go module proxy, into a cache:
#   kstatus      sigs.k8s.io/cli-utils' kstatus over SchemaMigrations (scripts/kstatus)
#   argo-health  Argo CD's Lua health-script contract on gopher-lua (scripts/argo-health)
# Layout: ${TRANSMOG_GO_TOOLS_DIR:-~/.cache/transmog/tools}/<name>-<hash of its sources>; the
# tests find the newest through the link <name>. Idempotent: a tool whose sources did not
# change is not rebuilt (the first build takes a few minutes on two cores).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${TRANSMOG_GO_TOOLS_DIR:-${HOME:?HOME is not set}/.cache/transmog/tools}"
log() { printf '[provision-go-tools] %s\n' "$*"; }

build() {
  local name=$1 src="$here/$1" hash target
  hash=$(cat "$src"/go.mod "$src"/go.sum "$src"/*.go | sha256sum | cut -c1-12)
  target="$cache/$name-$hash"
  if [ ! -x "$target" ]; then
    log "building $name (once per change of its sources)"
    mkdir -p "$cache"
    (cd "$src" && go build -trimpath -o "$target.tmp" .)
    mv "$target.tmp" "$target"
  fi
  ln -sfn "$target" "$cache/$name"
  log "$name: $cache/$name -> $(basename "$target")"
}

command -v go >/dev/null || { echo "provision-go-tools: go is not installed" >&2; exit 1; }
build kstatus
build argo-health
