#!/usr/bin/env bash
# Provisions kube-apiserver, etcd and kubectl for io.fabric8:kube-api-test, and
# kubelet, kube-controller-manager and kube-scheduler for the local single-node
# cluster (scripts/local-cluster.sh), by building them from Go modules (no
# prebuilt binary is downloaded).
#
# kube-api-test looks in ${KUBE_API_TEST_DIR:-~/.kubeapitest}/k8s/<version>-<os>-<arch>/
# for its three binaries (it ignores the others); this script fills exactly that
# directory. The Kubernetes
# version is the one scripts/kube-build/go.mod requires (k8s.io/kubernetes vX.Y.Z,
# staging modules pinned to v0.Y.Z); etcd is the go.etcd.io/etcd/server/v3 that
# the same module graph selects.
#
# Idempotent: when the six binaries are present and report the right version
# it exits at once. Otherwise it builds them (10+ minutes the first time on two
# cores; the Go module and build caches make later builds much faster) into a
# temporary directory and moves that into place, so kube-api-test never sees a
# half-written directory.
#
# Usage: scripts/provision-kube-binaries.sh [--force] [--version] [--dir]
#   --force    rebuild even if the binaries are present
#   --version  print the Kubernetes version (e.g. 1.33.13) and exit
#   --dir      print the target directory and exit
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mod_dir="$here/kube-build"
log() { printf '[provision-kube-binaries] %s\n' "$*"; }
die() { printf '[provision-kube-binaries] error: %s\n' "$*" >&2; exit 1; }

force=false
print=""
for arg in "$@"; do
  case "$arg" in
    --force) force=true ;;
    --version) print=version ;;
    --dir) print=dir ;;
    -h|--help) sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $arg" ;;
  esac
done

# Versions come from the wrapper module's go.mod, the single source of truth.
mod_version() { awk -v m="$1" '$1 == m && $2 ~ /^v[0-9]/ { print substr($2, 2); exit }' "$mod_dir/go.mod"; }
kube_version="$(mod_version k8s.io/kubernetes)"
etcd_version="$(mod_version go.etcd.io/etcd/server/v3)"
[ -n "$kube_version" ] || die "no k8s.io/kubernetes requirement in $mod_dir/go.mod"
[ -n "$etcd_version" ] || die "no go.etcd.io/etcd/server/v3 requirement in $mod_dir/go.mod"

# Platform suffix as kube-api-test computes it (os.name lower-cased, os.arch mapped).
os="$(uname -s | tr '[:upper:]' '[:lower:]')"
case "$(uname -m)" in
  x86_64|amd64) arch=amd64 ;;
  aarch64|arm64) arch=arm64 ;;
  *) die "unsupported architecture $(uname -m)" ;;
esac
base="${KUBE_API_TEST_DIR:-${HOME:?HOME is not set}/.kubeapitest}/k8s"
dest="$base/${kube_version}-${os}-${arch}"

case "$print" in
  version) echo "$kube_version"; exit 0 ;;
  dir) echo "$dest"; exit 0 ;;
esac

# kubelet, kube-controller-manager and kube-scheduler run the local node; the rest
# is what kube-api-test starts.
kube_servers=(kube-apiserver kube-controller-manager kube-scheduler kubelet)

# True when dir holds the six binaries and they run and report our version.
binaries_ok() {
  local d="$1" out b
  for b in "${kube_servers[@]}" etcd kubectl; do [ -x "$d/$b" ] || return 1; done
  for b in "${kube_servers[@]}"; do
    out="$("$d/$b" --version 2>/dev/null)" || return 1
    [ "$out" = "Kubernetes v$kube_version" ] || return 1
  done
  out="$("$d/kubectl" version --client 2>/dev/null)" || return 1
  [[ "$out" == *"Client Version: v$kube_version"* ]] || return 1
  out="$("$d/etcd" --version 2>/dev/null)" || return 1
  [[ "$out" == *"etcd Version: "* ]] || return 1
}

if ! $force && binaries_ok "$dest"; then
  log "kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, etcd, kubectl v$kube_version already in $dest"
  exit 0
fi

mkdir -p "$base"
# One build at a time (e.g. two Maven modules provisioning at once).
if command -v flock >/dev/null 2>&1; then
  exec 9>"$base/.provision.lock"
  flock 9
  if ! $force && binaries_ok "$dest"; then
    log "Kubernetes v$kube_version binaries already in $dest"
    exit 0
  fi
fi

if ! command -v go >/dev/null 2>&1; then
  for d in /usr/local/go/bin /usr/lib/go/bin; do
    if [ -x "$d/go" ]; then PATH="$d:$PATH"; break; fi
  done
fi
command -v go >/dev/null 2>&1 || die "the Go toolchain (go >= 1.24) is needed to build the Kubernetes binaries"

# Temporary names must not end in -<os>-<arch>: kube-api-test parses every such
# directory name under k8s/ as a version.
tmp="$(mktemp -d "$base/.build-${kube_version}.XXXXXX")"
old=""
cleanup() { rm -rf "$tmp"; if [ -n "$old" ]; then rm -rf "$old"; fi; }
trap cleanup EXIT
chmod 755 "$tmp"

export CGO_ENABLED=0
# The wrapper module sits inside this repository: no VCS stamping. A caller's
# GOFLAGS (e.g. -mod=mod) is kept; go.sum is complete, so it changes nothing.
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-buildvcs=false"

major="${kube_version%%.*}"
minor="${kube_version#*.}"; minor="${minor%%.*}"
kube_ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  kube_ldflags+=" -X $pkg.gitVersion=v$kube_version -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
  kube_ldflags+=" -X $pkg.gitTreeState=archive"
done
etcd_ldflags="-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=go-module-v$etcd_version"

build() {
  local name="$1" ldflags="$2" pkg="$3" start=$SECONDS
  if ! (cd "$mod_dir" && go build -trimpath -ldflags "$ldflags" -o "$tmp/$name" "$pkg"); then
    die "building $name failed"
  fi
  log "$name built in $((SECONDS - start))s"
}

total=$SECONDS
log "building Kubernetes v$kube_version and etcd v$etcd_version with $(go version | awk '{print $3}') into $dest"
build etcd "$etcd_ldflags" ./etcd
build kubectl "$kube_ldflags" k8s.io/kubernetes/cmd/kubectl
build kube-apiserver "$kube_ldflags" k8s.io/kubernetes/cmd/kube-apiserver
build kube-scheduler "$kube_ldflags" k8s.io/kubernetes/cmd/kube-scheduler
build kube-controller-manager "$kube_ldflags" k8s.io/kubernetes/cmd/kube-controller-manager
build kubelet "$kube_ldflags" k8s.io/kubernetes/cmd/kubelet

binaries_ok "$tmp" || die "the freshly built binaries do not report v$kube_version"

if [ -e "$dest" ]; then
  old="$base/.old-${kube_version}.$$"
  mv "$dest" "$old"
fi
mv "$tmp" "$dest"
log "Kubernetes v$kube_version binaries and etcd ready in $dest ($((SECONDS - total))s)"
