#!/usr/bin/env bash
# Makes sure the container runtime of the local single-node cluster (scripts/local-cluster.sh) is
# installed: Debian's containerd, runc and containernetworking-plugins (for its `loopback` CNI plugin).
# Idempotent; prints one line. Nothing is started: the cluster runs its own containerd with a private
# root, state and socket, and stops it again.
set -euo pipefail

packages=(containerd runc containernetworking-plugins)
have_all() {
  command -v containerd >/dev/null 2>&1 && command -v containerd-shim-runc-v2 >/dev/null 2>&1 \
    && command -v ctr >/dev/null 2>&1 && command -v runc >/dev/null 2>&1 && [ -x /usr/lib/cni/loopback ]
}

if have_all; then
  echo "ensure-node-deps: containerd, runc and the CNI plugins already installed, nothing to do"
  exit 0
fi
command -v apt-get >/dev/null 2>&1 \
  || { echo "ensure-node-deps: ${packages[*]} are missing and apt-get is unavailable: install them" >&2; exit 1; }
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "ensure-node-deps: need root or sudo to install ${packages[*]}" >&2; exit 1; }
  SUDO=(sudo)
fi

log=$(mktemp -t ensure-node-deps.XXXXXX)
trap 'rm -f "$log"' EXIT
# policy-rc.d says "do not start": a package must not start a system containerd next to ours.
policy=/usr/sbin/policy-rc.d
own_policy=false
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee "$policy" >/dev/null && "${SUDO[@]}" chmod 755 "$policy" && own_policy=true
fi
rc=0
{ "${SUDO[@]}" apt-get update >"$log" 2>&1 &&
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${packages[@]}" >>"$log" 2>&1; } || rc=$?
if $own_policy; then "${SUDO[@]}" rm -f "$policy"; fi
if [ "$rc" -ne 0 ] || ! have_all; then
  tail -n 30 "$log" >&2
  echo "ensure-node-deps: installing ${packages[*]} failed" >&2
  exit 1
fi
echo "ensure-node-deps: installed ${packages[*]} from apt ($(containerd --version | awk '{print $3}'), runc $(runc --version | awk 'NR==1{print $3}'))"
