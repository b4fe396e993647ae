#!/usr/bin/env bash
# A real single-node Kubernetes cluster on this machine, loopback only:
#   etcd, kube-apiserver (Node,RBAC authorization; NodeRestriction), kube-controller-manager,
#   kube-scheduler and a kubelet on containerd + runc (Debian's packages: scripts/ensure-node-deps.sh),
#   the Kubernetes binaries built from Go modules (scripts/provision-kube-binaries.sh).
#
#   scripts/local-cluster.sh start     start it (fails, with the reason, if any part cannot start; then
#                                      everything already started is torn down again)
#   scripts/local-cluster.sh stop      tear it down: no process, mount, cgroup or file is left behind;
#                                      safe to run at any time, also after a failed start or a killed test
#   scripts/local-cluster.sh env       print `export KUBECONFIG=...` and the PATH with kubectl
#   scripts/local-cluster.sh load TAR  import an image tar (docker-archive/OCI) into the node's containerd
#   scripts/local-cluster.sh status    exit 0 when the cluster of this directory is up
#
# All state lives under ${TRANSMOG_CLUSTER_DIR:-/tmp/transmog-cluster} (certificates, kubeconfigs, etcd,
# containerd's root/state/socket, the kubelet's root dir, logs). The only paths outside it are the ones
# containerd, runc and the kubelet fix themselves (shim sockets in /run/containerd, /var/log/containers,
# the `kubepods` cgroups); teardown removes those too (the system paths only if they did not exist before).
#
# Networking: nothing but loopback. Every pod must use hostNetwork (the CNI configuration holds only the
# `loopback` plugin, so no bridge, interface, address or iptables rule is ever created). The Service range is
# 127.0.100.0/24 and the API server listens on 127.0.100.1:443, the address of the `kubernetes` Service: a pod's
# in-cluster client (KUBERNETES_SERVICE_HOST:KUBERNETES_SERVICE_PORT) reaches it without a kube-proxy. The node
# is named 127.0.0.1 (the kubelet takes an IP given as its hostname as its node address), so probes and
# `kubectl logs/exec` go to 127.0.0.1 too.
#
# Fixed ports (below the ephemeral range, so they never collide with the random ports of the operator tests'
# kube-api-test servers): etcd 12379/12380, API server 127.0.100.1:443, kubelet 10250 (healthz 10248),
# controller-manager 10257, scheduler 10259. One cluster per machine (the kubelet's cgroups are fixed): the
# tests (LocalNode) and `make demo` hold an flock on /tmp/transmog-local-cluster.lock while theirs runs, so
# that work trees sharing a machine take turns; `start` itself fails at once on a port or cgroup in use.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR=${TRANSMOG_CLUSTER_DIR:-/tmp/transmog-cluster}
KUBE_BIN=$("$ROOT/scripts/provision-kube-binaries.sh" --dir)
NODE=127.0.0.1
API_IP=127.0.100.1
API_PORT=443
SERVICE_RANGE=127.0.100.0/24
ETCD_PORT=12379
ETCD_PEER_PORT=12380
KUBELET_PORT=10250
KUBELET_HEALTHZ_PORT=10248
KCM_PORT=10257
SCHED_PORT=10259
PAUSE_IMAGE=transmog.local/pause:1
# Paths the runtime and the kubelet use whatever they are told: removed at teardown if we created them.
SYSTEM_PATHS=(/run/containerd /run/mount /var/lib/kubelet /var/log/containers /var/log/pods)

log() { printf '[local-cluster] %s\n' "$*" >&2; }
die() { printf '[local-cluster] error: %s\n' "$*" >&2; exit 1; }

ctr_() { ctr --address "$DIR/containerd/containerd.sock" --namespace k8s.io "$@"; }
kubectl_() { "$KUBE_BIN/kubectl" --kubeconfig "$DIR/admin.kubeconfig" "$@"; }

# ---------------------------------------------------------------- processes
# Each component runs in a session of its own; its pid is in $DIR/pids/<name>. Only a process whose command
# line names $DIR is ever signalled (never a recycled pid, never someone else's process).
ours() { [ -r "/proc/$1/cmdline" ] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -qF -- "$DIR"; }

# This script and the processes that started it (a shell or a test whose command line may name $DIR too).
ancestors() {
  local pid=$$
  while [ -n "$pid" ] && [ "$pid" != 0 ]; do
    echo "$pid"
    pid=$(awk '{ print $4 }' "/proc/$pid/stat" 2>/dev/null)
  done
}

# Processes that name $DIR, except this script, its ancestors and short-lived helpers of its own.
stray_processes() {
  local mine pid
  mine=" $(ancestors | tr '\n' ' ') "
  for pid in $(ps -e -o pid=); do
    [[ "$mine" == *" $pid "* ]] && continue
    [ "$(awk '{ print $4 }' "/proc/$pid/stat" 2>/dev/null)" = $$ ] && continue
    if ours "$pid"; then echo "$pid"; fi
  done
  return 0
}

start_component() {   # start_component NAME CMD...
  local name=$1; shift
  mkdir -p "$DIR/pids" "$DIR/logs"
  setsid "$@" </dev/null >"$DIR/logs/$name.log" 2>&1 &
  echo $! >"$DIR/pids/$name"
}

stop_component() {   # stop_component NAME [grace seconds]
  local name=$1 grace=${2:-10} pid i
  pid=$(cat "$DIR/pids/$name" 2>/dev/null) || return 0
  if ours "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < grace * 10; i++)); do ours "$pid" || break; sleep 0.1; done
    ours "$pid" && kill -KILL "$pid" 2>/dev/null
    for ((i = 0; i < 50; i++)); do ours "$pid" || break; sleep 0.1; done
  fi
  rm -f "$DIR/pids/$name"
}

alive() { local pid; pid=$(cat "$DIR/pids/$1" 2>/dev/null) && ours "$pid"; }

# wait_for NAME SECONDS CHECK...: polls CHECK until it succeeds; fails with NAME's log if NAME dies or time runs out.
wait_for() {
  local name=$1 timeout=$2 deadline; shift 2
  deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if ! alive "$name"; then
      tail -n 30 "$DIR/logs/$name.log" >&2 || true
      die "$name exited during start-up (log above, full log in $DIR/logs/$name.log)"
    fi
    if ((SECONDS >= deadline)); then
      tail -n 30 "$DIR/logs/$name.log" >&2 || true
      die "$name not ready after ${timeout}s (log above, full log in $DIR/logs/$name.log)"
    fi
    sleep 0.2
  done
}

port_free() { ! (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# ---------------------------------------------------------------- certificates and kubeconfigs
pki() {
  local p=$DIR/pki
  mkdir -p "$p"; chmod 700 "$p"
  openssl ecparam -name prime256v1 -genkey -noout -out "$p/ca.key" 2>/dev/null
  openssl req -x509 -new -key "$p/ca.key" -subj "/CN=transmog-local-cluster-ca" -days 30 -out "$p/ca.crt" 2>/dev/null
  # cert NAME CN O SAN (O and SAN may be empty)
  cert() {
    local name=$1 cn=$2 org=$3 san=$4 subj="/CN=$2" ext="$p/$1.ext"
    [ -n "$org" ] && subj="/O=$org$subj"
    openssl ecparam -name prime256v1 -genkey -noout -out "$p/$name.key" 2>/dev/null
    openssl req -new -key "$p/$name.key" -subj "$subj" -out "$p/$name.csr" 2>/dev/null
    {
      echo "basicConstraints=CA:FALSE"
      echo "keyUsage=critical,digitalSignature,keyEncipherment"
      if [ -n "$san" ]; then echo "extendedKeyUsage=serverAuth,clientAuth"; echo "subjectAltName=$san"
      else echo "extendedKeyUsage=clientAuth"; fi
    } >"$ext"
    openssl x509 -req -in "$p/$name.csr" -CA "$p/ca.crt" -CAkey "$p/ca.key" -CAcreateserial -days 30 \
      -extfile "$ext" -out "$p/$name.crt" 2>/dev/null
    rm -f "$p/$name.csr" "$ext"
  }
  cert apiserver kube-apiserver "" \
    "IP:$API_IP,IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  cert kubelet-serving "system:node:$NODE" "system:nodes" "IP:$NODE,DNS:localhost"
  cert admin admin system:masters ""
  cert apiserver-kubelet-client kube-apiserver-kubelet-client system:masters ""
  cert node "system:node:$NODE" system:nodes ""
  cert controller-manager system:kube-controller-manager "" ""
  cert scheduler system:kube-scheduler "" ""
  openssl genrsa -out "$p/sa.key" 2048 2>/dev/null
  openssl rsa -in "$p/sa.key" -pubout -out "$p/sa.pub" 2>/dev/null
  local who
  for who in admin node controller-manager scheduler; do
    cat >"$DIR/$who.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: local
    cluster:
      server: https://$API_IP:$API_PORT
      certificate-authority: $p/ca.crt
users:
  - name: $who
    user:
      client-certificate: $p/$who.crt
      client-key: $p/$who.key
contexts:
  - name: local
    context: {cluster: local, user: $who}
current-context: local
EOF
  done
}

# ---------------------------------------------------------------- configuration files
containerd_config() {
  local c=$DIR/containerd
  mkdir -p "$c/root" "$c/state" "$DIR/cni/net.d" "$DIR/runc"
  cat >"$DIR/cni/net.d/10-loopback.conflist" <<'EOF'
{"cniVersion": "1.0.0", "name": "loopback-only", "plugins": [{"type": "loopback"}]}
EOF
  cat >"$c/config.toml" <<EOF
# The local cluster's containerd: private root, state and socket. See scripts/local-cluster.sh.
version = 2
root = "$c/root"
state = "$c/state"
disabled_plugins = ["io.containerd.internal.v1.opt", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs",
  "io.containerd.tracing.processor.v1.otlp"]

[grpc]
  address = "$c/containerd.sock"
[ttrpc]
  address = "$c/containerd.sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  # This machine lacks CAP_SYS_RESOURCE: without this every sandbox fails ("can't get final child's PID from pipe").
  restrict_oom_score_adj = true
  disable_apparmor = true
  enable_selinux = false
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "$DIR/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$DIR/cni/net.d"
    max_conf_num = 1
EOF
}

kubelet_config() {
  mkdir -p "$DIR/kubelet" "$DIR/pod-logs" "$DIR/volume-plugins"
  cat >"$DIR/kubelet-config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: 127.0.0.1
port: $KUBELET_PORT
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $KUBELET_HEALTHZ_PORT
tlsCertFile: $DIR/pki/kubelet-serving.crt
tlsPrivateKeyFile: $DIR/pki/kubelet-serving.key
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $DIR/pki/ca.crt}
authorization:
  mode: Webhook
containerRuntimeEndpoint: unix://$DIR/containerd/containerd.sock
cgroupDriver: cgroupfs
failSwapOn: false
failCgroupV1: false
makeIPTablesUtilChains: false
podLogsDir: $DIR/pod-logs
volumePluginDir: $DIR/volume-plugins
clusterDomain: cluster.local
resolvConf: /etc/resolv.conf
serializeImagePulls: false
# Locally imported images only: never collect them, never evict on a full-ish shared disk.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard:
  memory.available: "100Mi"
  nodefs.available: "1%"
  nodefs.inodesFree: "1%"
  imagefs.available: "1%"
shutdownGracePeriod: 0s
EOF
}

# ---------------------------------------------------------------- images
pause_image() {
  local cache=${XDG_CACHE_HOME:-$HOME/.cache}/transmog/node tar
  tar="$cache/pause-image.tar"
  if [ ! -s "$tar" ]; then
    mkdir -p "$cache"
    local work; work=$(mktemp -d "$cache/.pause.XXXXXX")
    mkdir -p "$work/rootfs"
    (cd "$ROOT/scripts/kube-build" && CGO_ENABLED=0 GOFLAGS=-buildvcs=false go build -trimpath -ldflags "-s -w" \
      -o "$work/rootfs/pause" ./pause) || { rm -rf "$work"; die "building the pause program failed"; }
    printf '{"Entrypoint": ["/pause"], "User": "65535:65535"}\n' >"$work/config.json"
    python3 "$ROOT/scripts/lib/image_tar.py" --tag "$PAUSE_IMAGE" --config "$work/config.json" \
      --layer "$work/rootfs" --out "$tar" >/dev/null || { rm -rf "$work"; die "writing the pause image failed"; }
    rm -rf "$work"
  fi
  load "$tar"
}

load() {
  [ -S "$DIR/containerd/containerd.sock" ] || die "the cluster in $DIR is not running (scripts/local-cluster.sh start)"
  local out
  out=$(ctr_ images import "$1" 2>&1) || { echo "$out" >&2; die "importing $1 failed"; }
  log "imported $1 (${out//$'\n'/; })"
}

# ---------------------------------------------------------------- start
start() {
  local t0=$EPOCHREALTIME
  [ "$(id -u)" = 0 ] || die "the kubelet and containerd need root"
  for b in etcd kube-apiserver kube-controller-manager kube-scheduler kubelet kubectl; do
    [ -x "$KUBE_BIN/$b" ] || die "$KUBE_BIN/$b is missing: run scripts/provision-kube-binaries.sh (make kube-deps)"
  done
  for b in containerd containerd-shim-runc-v2 runc ctr; do
    command -v "$b" >/dev/null || die "$b is missing: run scripts/ensure-node-deps.sh (make kube-deps)"
  done
  [ -x /usr/lib/cni/loopback ] || die "/usr/lib/cni/loopback is missing: run scripts/ensure-node-deps.sh (make kube-deps)"
  if [ -d "$DIR/pids" ] && ls "$DIR/pids" | grep -q .; then
    die "a cluster is already running in $DIR (scripts/local-cluster.sh stop first)"
  fi
  local port
  for port in "$API_IP:$API_PORT" "127.0.0.1:$ETCD_PORT" "127.0.0.1:$ETCD_PEER_PORT" "127.0.0.1:$KUBELET_PORT" \
      "127.0.0.1:$KUBELET_HEALTHZ_PORT" "127.0.0.1:$KCM_PORT" "127.0.0.1:$SCHED_PORT"; do
    port_free "${port%:*}" "${port#*:}" || die "port $port is in use: is another local cluster running? (scripts/local-cluster.sh stop)"
  done
  for c in /sys/fs/cgroup/*/kubepods; do
    [ -e "$c" ] && die "$c exists: another kubelet runs on this machine, or one was not torn down (scripts/local-cluster.sh stop)"
  done

  # From here on, a failure tears down whatever was started.
  trap 'rc=$?; if [ $rc -ne 0 ]; then log "start failed: tearing down"; stop >/dev/null 2>&1 || true; fi' EXIT
  rm -rf "$DIR"; mkdir -p "$DIR"; chmod 700 "$DIR"
  for p in "${SYSTEM_PATHS[@]}"; do [ -e "$p" ] && echo "$p" >>"$DIR/preexisting-paths"; done
  : >>"$DIR/preexisting-paths"

  pki
  containerd_config
  kubelet_config

  start_component etcd "$KUBE_BIN/etcd" --name local --data-dir "$DIR/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "local=http://127.0.0.1:$ETCD_PEER_PORT" --unsafe-no-fsync --log-level warn
  start_component containerd containerd --config "$DIR/containerd/config.toml"
  start_component kube-apiserver "$KUBE_BIN/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --bind-address "$API_IP" --secure-port "$API_PORT" --advertise-address "$API_IP" \
    --service-cluster-ip-range "$SERVICE_RANGE" \
    --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction \
    --client-ca-file "$DIR/pki/ca.crt" \
    --tls-cert-file "$DIR/pki/apiserver.crt" --tls-private-key-file "$DIR/pki/apiserver.key" \
    --kubelet-client-certificate "$DIR/pki/apiserver-kubelet-client.crt" \
    --kubelet-client-key "$DIR/pki/apiserver-kubelet-client.key" \
    --kubelet-preferred-address-types InternalIP \
    --service-account-key-file "$DIR/pki/sa.pub" --service-account-signing-key-file "$DIR/pki/sa.key" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --cert-dir "$DIR/apiserver-certs" --profiling=false
  wait_for containerd 30 ctr --address "$DIR/containerd/containerd.sock" version
  pause_image
  wait_for kube-apiserver 60 kubectl_ get --raw /readyz
  local t_api=$EPOCHREALTIME

  start_component kube-controller-manager "$KUBE_BIN/kube-controller-manager" \
    --kubeconfig "$DIR/controller-manager.kubeconfig" --bind-address 127.0.0.1 --secure-port "$KCM_PORT" \
    --leader-elect=false --use-service-account-credentials \
    --service-account-private-key-file "$DIR/pki/sa.key" --root-ca-file "$DIR/pki/ca.crt" \
    --cert-dir "$DIR/controller-manager-certs" --profiling=false
  start_component kube-scheduler "$KUBE_BIN/kube-scheduler" \
    --kubeconfig "$DIR/scheduler.kubeconfig" --bind-address 127.0.0.1 --secure-port "$SCHED_PORT" \
    --leader-elect=false --cert-dir "$DIR/scheduler-certs" --profiling=false
  start_component kubelet "$KUBE_BIN/kubelet" --config "$DIR/kubelet-config.yaml" \
    --kubeconfig "$DIR/node.kubeconfig" --root-dir "$DIR/kubelet" --cert-dir "$DIR/kubelet-pki" \
    --hostname-override "$NODE"

  wait_for kubelet 60 kubectl_ get node "$NODE"
  wait_for kubelet 60 node_ready
  wait_for kube-controller-manager 60 kubectl_ -n default get serviceaccount default
  wait_for kube-scheduler 30 curl -ksf "https://127.0.0.1:$SCHED_PORT/healthz"
  trap - EXIT
  local t_ready=$EPOCHREALTIME
  printf 'api_ready_seconds=%s\nnode_ready_seconds=%s\n' \
    "$(awk -v a="$t0" -v b="$t_api" 'BEGIN { printf "%.1f", b - a }')" \
    "$(awk -v a="$t0" -v b="$t_ready" 'BEGIN { printf "%.1f", b - a }')" >"$DIR/start-times"
  log "cluster up in $DIR: API server ready after $(sed -n 's/api_ready_seconds=//p' "$DIR/start-times")s, node $NODE Ready after $(sed -n 's/node_ready_seconds=//p' "$DIR/start-times")s"
  log "use it with: eval \"\$($0 env)\""
}

node_ready() {
  [ "$(kubectl_ get node "$NODE" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}')" = True ]
}

# ---------------------------------------------------------------- stop
stop() {
  set +e   # a teardown tries every step, whatever failed before
  [ -d "$DIR" ] || { log "nothing to tear down in $DIR"; return 0; }
  stop_component kubelet 10
  stop_component kube-scheduler 5
  stop_component kube-controller-manager 5
  # Every container and sandbox: killed and removed while containerd still runs.
  if alive containerd && [ -S "$DIR/containerd/containerd.sock" ]; then
    local task
    for task in $(ctr_ tasks ls -q 2>/dev/null); do ctr_ tasks kill -s SIGKILL "$task" >/dev/null 2>&1 || true; done
    for task in $(ctr_ tasks ls -q 2>/dev/null); do
      for _ in 1 2 3 4 5 6 7 8 9 10; do ctr_ tasks delete "$task" >/dev/null 2>&1 && break; sleep 0.3; done
    done
    for task in $(ctr_ containers ls -q 2>/dev/null); do ctr_ containers delete "$task" >/dev/null 2>&1 || true; done
  fi
  stop_component containerd 10
  stop_component kube-apiserver 10
  stop_component etcd 10
  # Anything still alive that names this directory (shims, container processes of a crashed containerd).
  local pid left
  for _ in 1 2 3; do
    left=$(stray_processes)
    [ -z "$left" ] && break
    kill -KILL $left 2>/dev/null || true
    sleep 0.5
  done
  # Runc's containers run in the cgroups below; their processes do not name $DIR: kill what is left in them.
  local cg
  for cg in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/*/k8s.io; do
    [ -d "$cg" ] || continue
    find "$cg" -name cgroup.procs -exec cat {} + 2>/dev/null | while read -r pid; do kill -KILL "$pid" 2>/dev/null || true; done
  done
  # Mounts under our directory (overlay rootfs, kubelet volumes, the kubelet's bind mount of its root dir), deepest first.
  local m
  for _ in 1 2 3; do
    m=$(awk -v d="$DIR" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r)
    [ -z "$m" ] && break
    while read -r mp; do umount "$mp" 2>/dev/null || umount -l "$mp" 2>/dev/null || true; done <<<"$m"
  done
  for _ in 1 2 3 4 5; do
    local remaining=0
    for cg in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/*/k8s.io; do
      [ -d "$cg" ] || continue
      find "$cg" -depth -type d -exec rmdir {} \; 2>/dev/null || remaining=1
    done
    [ "$remaining" = 0 ] && break
    sleep 0.5
  done
  local p
  for p in "${SYSTEM_PATHS[@]}"; do
    grep -qxF "$p" "$DIR/preexisting-paths" 2>/dev/null || rm -rf "$p"
  done
  rm -rf "$DIR"
  # Verify: a teardown that leaves something behind says so (and fails).
  local problems=()
  for pid in $(stray_processes); do problems+=("process $pid: $(tr '\0' ' ' <"/proc/$pid/cmdline" | cut -c1-120)"); done
  grep -qF "$DIR" /proc/self/mountinfo && problems+=("mounts under $DIR")
  for cg in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/*/k8s.io; do [ -e "$cg" ] && problems+=("cgroup $cg"); done
  [ -e "$DIR" ] && problems+=("directory $DIR")
  if [ ${#problems[@]} -gt 0 ]; then
    printf '[local-cluster] left behind: %s\n' "${problems[@]}" >&2
    return 1
  fi
  log "torn down: no process, mount, cgroup or file left"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  env)
    [ -f "$DIR/admin.kubeconfig" ] || die "no cluster in $DIR"
    printf 'export KUBECONFIG=%q\nexport PATH=%q:"$PATH"\n' "$DIR/admin.kubeconfig" "$KUBE_BIN"
    ;;
  load) [ -n "${2:-}" ] || die "usage: $0 load IMAGE.tar"; load "$2" ;;
  status) alive kubelet && alive kube-apiserver && node_ready ;;
  -h|--help|"") sed -n '2,30p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' ;;
  *) die "unknown command: $1 (start, stop, env, load, status)" ;;
esac
