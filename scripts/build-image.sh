#!/usr/bin/env bash
# Builds the product's one image WITHOUT Docker, as a docker-archive tar that `ctr images import` (and
# `docker load`) read: the same image the Dockerfile describes (entry point, command, user 10001, working
# directory, environment, exposed port, labels: read from the Dockerfile's final stage), on a different base:
#
#   layer 1  a JRE from Debian packages of this host's release (openjdk-17-jre-headless and the libraries it
#            loads, dash for /bin/sh), downloaded with `apt-get download` and unpacked with `dpkg-deb -x`
#            (nothing is installed); cached in ~/.cache/transmog/image/ by package versions
#   layer 2  the application as the Dockerfile copies it: /opt/transmog/operator (the Quarkus app),
#            /opt/transmog/transmog-cli.jar and the entry point /usr/local/bin/transmog
#
# The Dockerfile stays the recipe for registries (its base image is eclipse-temurin:17-jre); this script is
# for machines without a Docker engine (the local cluster, CI). ImageDockerfileTest checks that the two
# describe the same image. Needs `make build` first (or pass --build to run it).
#
# Usage: scripts/build-image.sh [--tag NAME:TAG] [--out FILE] [--build]
#   default tag transmog.local/transmog:dev, default out operator/target/image/transmog-image.tar
# Prints the image's size; the last line is `image=<tar> tag=<tag> size_bytes=<n>`.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TAG=transmog.local/transmog:dev
OUT=$ROOT/operator/target/image/transmog-image.tar
BUILD=false
while [ $# -gt 0 ]; do
  case "$1" in
    --tag) TAG=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --build) BUILD=true; shift ;;
    -h|--help) sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-image: unknown argument $1" >&2; exit 2 ;;
  esac
done
log() { printf '[build-image] %s\n' "$*" >&2; }
die() { printf '[build-image] error: %s\n' "$*" >&2; exit 1; }

if $BUILD; then (cd "$ROOT" && make build); fi
APP=$ROOT/operator/target/quarkus-app
CLI=$(ls "$ROOT"/engine/target/transmog-engine-*-cli.jar 2>/dev/null | head -n 1 || true)
[ -f "$APP/quarkus-run.jar" ] || die "$APP/quarkus-run.jar is missing: run 'make build' first (or pass --build)"
[ -n "$CLI" ] || die "engine/target/transmog-engine-*-cli.jar is missing: run 'make build' first (or pass --build)"

# ---- layer 1: the JRE from Debian packages, cached by their versions
PACKAGES=(openjdk-17-jre-headless libc6 libgcc-s1 libstdc++6 zlib1g dash)
JVM=/usr/lib/jvm/java-17-openjdk-amd64
candidates() { apt-cache policy "${PACKAGES[@]}" 2>/dev/null | awk '/^[^ ]/ { p = $1 } /Candidate:/ { print p $2 }' | tr '\n' ' '; }
known() { [ "$(wc -w <<<"$1")" -eq "${#PACKAGES[@]}" ] && [[ "$1" != *"(none)"* ]]; }
versions=$(candidates)
if ! known "$versions" && [ "$(id -u)" = 0 ]; then
  log "apt knows no candidate for some of ${PACKAGES[*]}: apt-get update"
  apt-get update >/dev/null 2>&1 || true
  versions=$(candidates)
fi
known "$versions" || die "apt knows no candidate for some of ${PACKAGES[*]} ($versions): run 'apt-get update'"
key=$(sha256sum <<<"$versions" | cut -c1-16)
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/transmog/image
JRE_ROOT=$CACHE/jre-$key/root
if [ ! -f "$CACHE/jre-$key/complete" ]; then
  log "unpacking ${PACKAGES[*]} ($versions) into $JRE_ROOT"
  mkdir -p "$CACHE"
  work=$(mktemp -d "$CACHE/.jre.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  # A stale package list names versions the mirror no longer has: refresh it once (as root) and retry.
  if ! (cd "$work" && apt-get download "${PACKAGES[@]}" >"$work/apt.log" 2>&1); then
    [ "$(id -u)" = 0 ] && apt-get update >>"$work/apt.log" 2>&1 && (cd "$work" && apt-get download "${PACKAGES[@]}" >>"$work/apt.log" 2>&1) \
      || { tail -n 20 "$work/apt.log" >&2; die "apt-get download ${PACKAGES[*]} failed"; }
  fi
  mkdir -p "$work/root"
  for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$work/root" || die "dpkg-deb -x $(basename "$deb") failed"; done
  r=$work/root
  # What a JVM never reads: documentation, manuals, translations.
  rm -rf "$r/usr/share/doc" "$r/usr/share/man" "$r/usr/share/locale" "$r/usr/share/lintian" "$r/usr/share/bug"
  # What the packages' maintainer scripts would have made (they never run here): the `java` command on the
  # PATH, /bin/sh, and the CA keystore of ca-certificates-java (the host's: same Debian release).
  mkdir -p "$r/usr/bin" "$r/bin" "$r/tmp" "$r/etc/ssl/certs/java"
  ln -sf "$JVM/bin/java" "$r/usr/bin/java"
  [ -e "$r/bin/sh" ] || ln -s dash "$r/bin/sh"
  chmod 1777 "$r/tmp"
  if [ -f /etc/ssl/certs/java/cacerts ]; then cp /etc/ssl/certs/java/cacerts "$r/etc/ssl/certs/java/cacerts"
  else log "warning: /etc/ssl/certs/java/cacerts not found on this host: the image has no default trust store"; fi
  [ -x "$r$JVM/bin/java" ] || die "no $JVM/bin/java in the unpacked packages"
  # Smoke test: the unpacked JRE runs with only its own libraries.
  loader=$r/lib64/ld-linux-x86-64.so.2
  "$loader" --library-path "$r/lib/x86_64-linux-gnu:$r/usr/lib/x86_64-linux-gnu:$r$JVM/lib:$r$JVM/lib/server" \
    "$r$JVM/bin/java" -version >"$work/java-version.log" 2>&1 \
    || { cat "$work/java-version.log" >&2; die "the unpacked JRE does not run"; }
  rm -rf "$CACHE/jre-$key"; mkdir -p "$CACHE/jre-$key"
  mv "$r" "$JRE_ROOT"
  echo "$versions" >"$CACHE/jre-$key/complete"
  rm -rf "$work"; trap - EXIT
fi

# ---- layer 2: the application, laid out as the Dockerfile's COPY lines lay it out
STAGE=$(dirname "$OUT")/stage
rm -rf "$STAGE"; mkdir -p "$STAGE/app/opt/transmog" "$STAGE/app/usr/local/bin"
cp -r "$APP" "$STAGE/app/opt/transmog/operator"
cp "$CLI" "$STAGE/app/opt/transmog/transmog-cli.jar"
install -m 0755 "$ROOT/operator/src/main/docker/transmog" "$STAGE/app/usr/local/bin/transmog"
mkdir -p "$STAGE/app/opt/transmog/jvm"
cp "$ROOT/scripts/lib/runner-jvm-options" "$ROOT/scripts/lib/cli-jvm-options" "$STAGE/app/opt/transmog/jvm/"
chmod -R a+rX "$STAGE/app/opt/transmog"

# ---- the run configuration: the Dockerfile's final stage, plus what its base image sets (PATH, JAVA_HOME)
python3 - "$ROOT/Dockerfile" "$JVM" >"$STAGE/config.json" <<'PY'
import json, shlex, sys
dockerfile, jvm = sys.argv[1], sys.argv[2]
lines, cur = [], ""
for raw in open(dockerfile):
    s = raw.rstrip("\n")
    if not cur and (not s.strip() or s.lstrip().startswith("#")):
        continue
    if s.endswith("\\"):
        cur += s[:-1] + " "
        continue
    lines.append((cur + s).strip()); cur = ""
stages, stage = [], None
for l in lines:
    word, _, rest = l.partition(" ")
    if word.upper() == "FROM":
        stage = []; stages.append(stage)
    stage.append((word.upper(), rest.strip()))
final = stages[-1]
cfg = {"Env": [f"PATH={jvm}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
               f"JAVA_HOME={jvm}", "LANG=C.UTF-8"],
       "WorkingDir": "", "Labels": {}}
def set_env(k, v):
    cfg["Env"] = [e for e in cfg["Env"] if not e.startswith(k + "=")] + [f"{k}={v}"]
for word, rest in final:
    if word in ("FROM", "COPY", "RUN"):
        continue  # the files are laid out by build-image.sh
    elif word == "ENV":
        for kv in shlex.split(rest):
            k, _, v = kv.partition("="); set_env(k, v)
    elif word == "LABEL":
        for kv in shlex.split(rest):
            k, _, v = kv.partition("="); cfg["Labels"][k] = v
    elif word == "USER":
        cfg["User"] = rest
    elif word == "WORKDIR":
        cfg["WorkingDir"] = rest
    elif word == "EXPOSE":
        cfg.setdefault("ExposedPorts", {})
        for p in rest.split():
            cfg["ExposedPorts"][p if "/" in p else p + "/tcp"] = {}
    elif word in ("ENTRYPOINT", "CMD"):
        if not rest.startswith("["):
            sys.exit(f"build-image: {word} must use the exec (JSON) form")
        cfg["Entrypoint" if word == "ENTRYPOINT" else "Cmd"] = json.loads(rest)
    else:
        sys.exit(f"build-image: the Dockerfile's final stage uses {word}, which build-image.sh does not translate")
json.dump(cfg, sys.stdout, indent=1)
PY

result=$(python3 "$ROOT/scripts/lib/image_tar.py" --tag "$TAG" --config "$STAGE/config.json" \
  --layer "$JRE_ROOT" --layer "$STAGE/app" --out "$OUT")
rm -rf "$STAGE"
size=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["size"])' "$result")
log "$TAG: $(numfmt --to=iec --suffix=B "$size") uncompressed (JRE layer $(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["layers"][0]["size"] >> 20)' "$result") MiB)"
echo "image=$OUT tag=$TAG size_bytes=$size"
