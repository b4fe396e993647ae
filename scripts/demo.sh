#!/usr/bin/env bash
# `make demo`: an online schema change of a 200k-row table under a steady write load, run the way
# Transmog runs in production: a SchemaMigration resource, reconciled by the operator, executed by a
# runner Job. Everything is local and throwaway, started (and always stopped) by this script:
#
#   1. a MariaDB server; shop.customers (varied types, utf8mb4 + emoji, JSON, NULLs) and a migration
#      account with only the README's privileges
#   2. a real single-node Kubernetes cluster (scripts/local-cluster.sh: etcd, kube-apiserver,
#      controller-manager, scheduler, kubelet on containerd; loopback only) and the product image built
#      without Docker (scripts/build-image.sh), imported into the node's containerd
#   3. deploy/ applied with `kubectl apply -k overlays/local` (deploy/ + local image + hostNetwork): the
#      operator runs as a pod of its Deployment; each runner Job becomes a real pod on the node
#   4. writers: INSERT / UPDATE / DELETE / re-key, over TCP as a non-root user
#   5. kubectl: namespace shop, the runner's RBAC and the credentials Secret (from examples/), and a
#      SchemaMigration with cutOver.mode: Manual; live progress from its status; a pause and resume
#      (spec.paused) mid-copy, checking that the ghost table holds still while paused
#   6. in AwaitingCutOver: stop the writers, compare the ghost table with the original row for row,
#      restart the writers, approve the cut-over (spec.cutOver.approved) so it happens under load
#   7. check: status fields, new column + index, old table kept as _customers_del, no writer error, every
#      acknowledged insert present, the row count, the Job completed, the phase Events, the account's name
#      and password nowhere, the cut-over write stall
#
# This script narrates and runs the cluster and kubectl. The table, the writers and every check are Java
# (io.transmog.operator.scenario in the operator's test code, run through DemoSteps with the test class path
# `make build` writes), the same code the end-to-end test (EndToEndIT) runs, so the demo checks what the
# tests check. Exits 0 only if every check passed. Env: DEMO_DB (mariadb: the host's MariaDB 10.11; mysql:
# MySQL 9.7, and mariadb-11.8, both unpacked by scripts/provision-test-servers.sh; `make demo DB=mysql`),
# DEMO_ROWS (200000), DEMO_WRITERS (3), DEMO_WRITER_PAUSE_MS (50 ms between a writer's batches),
# DEMO_CHUNK_SIZE (throttle.chunkSize until the resume, 200), DEMO_KEEP=1 keeps the temp dir (logs of the
# operator, the runners and the writers).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=lib/mariadb.sh
source "$ROOT/scripts/lib/mariadb.sh"

ROWS=${DEMO_ROWS:-200000}
WRITERS=${DEMO_WRITERS:-3}
PAUSE_MS=${DEMO_WRITER_PAUSE_MS:-50}
CHUNK=${DEMO_CHUNK_SIZE:-200}
CHUNK_AFTER_RESUME=2000
NS=shop
SMIG=customers
[ "${DEMO_KEEP:-0}" = 1 ] && export MDB_KEEP_DIR=1
case "${DEMO_DB:-mariadb}" in
  mariadb|mariadb-10.11) export MDB_FLAVOR=mariadb-10.11; SERVER_LABEL="MariaDB 10.11" ;;
  mariadb-11.8) export MDB_FLAVOR=mariadb-11.8; SERVER_LABEL="MariaDB 11.8" ;;
  mysql|mysql-9.7) export MDB_FLAVOR=mysql-9.7; SERVER_LABEL="MySQL 9.7" ;;
  *) echo "demo: unknown DEMO_DB=$DEMO_DB (mariadb, mariadb-11.8, mysql)" >&2; exit 1 ;;
esac
[ -x "$ROOT/bin/transmog" ] || { echo "demo: bin/transmog is missing: run 'make build' (or 'make demo')" >&2; exit 1; }
TEST_CLASSPATH="$ROOT/operator/target/test-classpath.txt"
[ -f "$TEST_CLASSPATH" ] && [ -d "$ROOT/operator/target/test-classes" ] \
  || { echo "demo: $TEST_CLASSPATH is missing: run 'make build' (or 'make demo')" >&2; exit 1; }
KUBE_BIN=$("$ROOT/scripts/provision-kube-binaries.sh" --dir)
KUBECTL="$KUBE_BIN/kubectl"
for b in kube-apiserver kube-controller-manager kube-scheduler kubelet etcd kubectl; do
  [ -x "$KUBE_BIN/$b" ] || { echo "demo: $KUBE_BIN/$b is missing: run 'make kube-deps' (or 'make demo')" >&2; exit 1; }
done
(( ROWS >= WRITERS * 10 )) || { echo "demo: DEMO_ROWS is too small" >&2; exit 1; }

if [ -t 1 ]; then B=$'\033[1m'; G=$'\033[32m'; R=$'\033[31m'; D=$'\033[2m'; N=$'\033[0m'; else B= G= R= D= N=; fi
step() { printf '\n%s== %s%s\n' "$B" "$*" "$N"; }
info() { printf '   %s\n' "$*"; }
fail() { printf '\n%sFAIL%s %s\n' "$R" "$N" "$*" >&2; exit 1; }   # also from inside $(...)
num() { sed ':a;s/\B[0-9]\{3\}\>/,&/;ta' <<<"$1"; }   # 1234567 -> 1,234,567

# The cluster starts in a session (process group) of its own, so Ctrl-C reaches only this script, whose
# cleanup stops it; a watchdog stops it if this script dies without cleaning up (kill -9).
start_group() {   # start_group <var> <log> <cmd...>: sets <var> to the pid (= process group id)
  local var=$1 log=$2; shift 2
  setsid "$@" </dev/null >"$log" 2>&1 &
  printf -v "$var" '%s' "$!"
  _group_watchdog "$!"
}
_group_watchdog() {
  local owner=$$ pid=$1
  (
    set +eu
    trap 'exit 0' TERM
    trap '' INT HUP
    while kill -0 "$owner" 2>/dev/null && kill -0 "$pid" 2>/dev/null; do sleep 1; done
    kill -0 "$pid" 2>/dev/null || exit 0
    kill -TERM "$pid" 2>/dev/null; sleep 40
    left=$(ps -o pid= --sid "$pid" 2>/dev/null); [ -n "$left" ] && kill -KILL $left 2>/dev/null
  ) </dev/null >/dev/null 2>&1 &
  WATCHDOG_PIDS+=($!)
}
WATCHDOG_PIDS=()

kc() { "$KUBECTL" --kubeconfig "$KUBECONFIG_FILE" "$@"; }
kc_show() {   # kc_show <kubectl args...>: prints the command and its output, indented
  printf '   %s$ kubectl %s%s\n' "$D" "$*" "$N"
  kc "$@" 2>&1 | sed 's/^/     /'
  return "${PIPESTATUS[0]}"
}
kc_patch() {   # kc_patch <merge patch>: shows and applies a patch of the SchemaMigration
  printf '   %s$ kubectl patch smig %s -n %s --type merge -p '"'"'%s'"'"'%s\n' "$D" "$SMIG" "$NS" "$1" "$N"
  kc patch smig "$SMIG" -n "$NS" --type merge -p "$1" | sed 's/^/     /'
}

lib_install_traps
lib_on_exit 'for p in "${WATCHDOG_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done'
T0=$(lib_now)

# ---------------------------------------------------------------- 1. server
step "Starting a throwaway $SERVER_LABEL"
mdb_start 101
WORK="$MDB_DIR/demo"; mkdir -p "$WORK"
info "$MDB_SERVER $MDB_VERSION on 127.0.0.1:$MDB_PORT, datadir under $MDB_DIR (removed at exit)"
info "log_bin=ON binlog_format=ROW binlog_row_image=FULL; the writers' user '$MDB_USER' (all privileges)"

CLUSTER_DIR="$WORK/cluster"
export TRANSMOG_CLUSTER_DIR="$CLUSTER_DIR"
KUBECONFIG_FILE="$CLUSTER_DIR/admin.kubeconfig"
# The load and the checks: io.transmog.operator.scenario.DemoSteps, on the operator's test class path. Its
# secrets come from files (the writers' password file of lib/mariadb.sh, the migration account's files).
STEPS=(java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx512m
  -cp "$ROOT/operator/target/test-classes:$ROOT/operator/target/classes:$(<"$TEST_CLASSPATH")"
  -Djava.util.logging.manager=org.jboss.logmanager.LogManager
  -Ddemo.work="$WORK" -Ddemo.db.host=127.0.0.1 -Ddemo.db.port="$MDB_PORT" -Ddemo.db.user="$MDB_USER"
  -Ddemo.db.passwordFile="$MDB_PASSWORD_FILE" -Ddemo.kubeconfig="$KUBECONFIG_FILE" -Ddemo.namespace="$NS"
  -Ddemo.name="$SMIG" io.transmog.operator.scenario.DemoSteps)

# ---------------------------------------------------------------- 2. a real local cluster (in the background)
step "Starting a real single-node Kubernetes cluster (in the background, while the table is filled)"
# One node per machine (fixed kubelet ports and cgroups): wait for another work tree's demo or test run.
exec 8>/tmp/transmog-local-cluster.lock
if ! flock -n 8; then info "another local cluster runs on this machine; waiting for it to finish"; flock 8; fi
IMAGE_TAR="$WORK/transmog-image.tar"
T_CLUSTER=$(lib_now)
start_group CLUSTER_PID "$WORK/cluster.log" bash -c '
  set -e
  "$1/scripts/build-image.sh" --out "$2"
  "$1/scripts/local-cluster.sh" start
  "$1/scripts/local-cluster.sh" load "$2"' cluster "$ROOT" "$IMAGE_TAR"
lib_on_exit '"$ROOT/scripts/local-cluster.sh" stop'
# If this script is killed (-9) before its cleanup runs, the cluster still goes.
(
  set +eu; trap 'exit 0' TERM; trap '' INT HUP
  while kill -0 $$ 2>/dev/null; do sleep 1; done
  "$ROOT/scripts/local-cluster.sh" stop
) </dev/null >/dev/null 2>&1 &
WATCHDOG_PIDS+=($!)
info "kube-apiserver, controller-manager, scheduler, kubelet $(basename "$KUBE_BIN" | cut -d- -f1) (from $KUBE_BIN) on"
info "containerd $(containerd --version 2>/dev/null | awk '{print $3}') + runc; state in $CLUSTER_DIR; loopback only, pods on the host network"
info "and the image transmog.local/transmog:dev: a Debian JRE + the application, built without Docker"

# ---------------------------------------------------------------- 1. data (while the API server starts)
step "Creating shop.customers with $(num "$ROWS") rows, and the migration's account"
t=$(lib_now)
"${STEPS[@]}" prepare "$ROWS"
info "$(mdb_value "SELECT FORMAT(COUNT(*), 0) FROM shop.customers") rows in $(lib_elapsed "$t" "$(lib_now)") s; a sample:"
mdb_root --table -e "SELECT id, email, full_name, city, balance, score, note, created_at, prefs FROM shop.customers WHERE id IN (7, 9, 12)" | sed 's/^/   /'
MIGRATOR_USER=$(<"$WORK/migrator.user")
if [ "$MDB_FLAVOR" = mysql-9.7 ]; then BINLOG_PRIV="REPLICATION CLIENT"; else BINLOG_PRIV="BINLOG MONITOR"; fi
info "the migration's account '$MIGRATOR_USER'@'127.0.0.1': ALTER, CREATE, CREATE TEMPORARY TABLES, DELETE, DROP,"
info "INDEX, INSERT, LOCK TABLES, SELECT, UPDATE on shop.*; REPLICATION SLAVE, $BINLOG_PRIV; a random password in"
info "$WORK/migrator.password (not shown)"

step "The local cluster"
if ! wait "$CLUSTER_PID"; then
  printf '%sFAIL%s the local cluster did not start:\n' "$R" "$N"
  tail -n 30 "$WORK/cluster.log" | sed 's/^/   /'
  exit 1
fi
T_CLUSTER_READY=$(lib_now)
grep -h 'cluster up\|uncompressed\|imported' "$WORK/cluster.log" | sed 's/^\[[a-z-]*\] /   /'
info "ready in $(lib_elapsed "$T_CLUSTER" "$T_CLUSTER_READY") s, image build included; admin kubeconfig $KUBECONFIG_FILE"
kc_show get nodes -o wide

# ---------------------------------------------------------------- 3. the operator, a pod of its Deployment
step "kubectl apply -k overlays/local: deploy/ as written, plus the local image and hostNetwork"
T_OPERATOR=$(lib_now)
kc apply --server-side -k "$ROOT/overlays/local" 2>&1 | grep -v '^Warning: would violate PodSecurity' | sed 's/^/   /'
if ! kc -n transmog-system rollout status deployment/transmog-operator --timeout=180s >/dev/null 2>&1; then
  printf '%sFAIL%s the operator Deployment did not become available:\n' "$R" "$N"
  kc -n transmog-system describe pods 2>&1 | tail -n 25 | sed 's/^/   /'
  kc -n transmog-system logs deployment/transmog-operator --tail=30 2>&1 | sed 's/^/   /'
  exit 1
fi
info "the operator pod is Ready $(lib_elapsed "$T_OPERATOR" "$(lib_now)") s after kubectl apply (startup, liveness, readiness probes"
info "on /q/health/*; ServiceAccount transmog-operator, so exactly the RBAC of deploy/; user 10001, read-only root)"
kc_show get nodes,deploy,jobs,pods -A

# ---------------------------------------------------------------- 4. the write load
# DemoSteps load: the writers until SIGTERM, after which they finish their batch and write their report
# (WORK/load-p<phase>.json) for the checks. Its last output line is its progress.
LOAD_PID=
start_load() {   # start_load <phase>
  "${STEPS[@]}" load "$1" "$WRITERS" "$PAUSE_MS" "$ROWS" </dev/null >"$WORK/load-p$1.out" 2>&1 &
  LOAD_PID=$!
}
stop_load() {   # stop_load <phase>
  kill -TERM "$LOAD_PID" 2>/dev/null || true
  wait "$LOAD_PID" 2>/dev/null || true
  LOAD_PID=
  [ -f "$WORK/load-p$1.json" ] || { tail -n 20 "$WORK/load-p$1.out" | sed 's/^/   /'; fail "the writers wrote no report"; }
}
load_progress() { tail -n 1 "$WORK/load-p$1.out" 2>/dev/null | sed 's/^load p[0-9]*: //'; }
lib_on_exit '[ -z "$LOAD_PID" ] || { kill -TERM "$LOAD_PID"; wait "$LOAD_PID"; }'

step "Starting the write load: $WRITERS writers, a batch every ${PAUSE_MS} ms each"
info "batch = INSERT; UPDATE balance/visits; UPDATE note/city/JSON/score/enum/date (sets and clears NULLs);"
info "        BEGIN; UPDATE 3 rows; DELETE 1 row; COMMIT; every 10th batch re-keys a row (UPDATE ... SET id = ...)"
start_load 1
sleep 3
info "running: $(load_progress 1) so far"

# ---------------------------------------------------------------- 5. the migration, as a resource
step "kubectl: the namespace, the runner's RBAC and the credentials Secret"
kc_show create namespace "$NS"
kc_show apply -f "$ROOT/examples/01-runner-rbac.yaml"
# The Secret from the template, with the demo's account filled in: through stdin, so the password is
# never in an argument (ps) or on the screen.
SECRET_YAML=$(<"$ROOT/examples/00-credentials-secret.template.yaml")
SECRET_YAML=${SECRET_YAML/username: migrator/username: $MIGRATOR_USER}
SECRET_YAML=${SECRET_YAML/password: CHANGE-ME/password: $(<"$WORK/migrator.password")}
info "examples/00-credentials-secret.template.yaml with username: $MIGRATOR_USER and the password from"
info "$WORK/migrator.password (not shown), piped to:"
printf '   %s$ kubectl apply -f -%s\n' "$D" "$N"
kc apply -f - <<<"$SECRET_YAML" | sed 's/^/     /'
unset SECRET_YAML

step "kubectl apply: a SchemaMigration for shop.customers (cut-over held for approval)"
# MySQL's caching_sha2_password sends a password only over TLS (or RSA): the demo server's certificate is the
# self-signed one MySQL generates, so encrypted without verification (for a real server: VerifyIdentity + caSecretRef).
TLS_YAML=""
if [ "$MDB_FLAVOR" = mysql-9.7 ]; then TLS_YAML=$'\n    tls:\n      mode: Required'; fi
cat >"$WORK/$SMIG.yaml" <<YAML
apiVersion: transmog.io/v1alpha1
kind: SchemaMigration
metadata:
  name: $SMIG
  namespace: $NS
spec:
  database:
    host: 127.0.0.1          # the demo's server (the runner pod is on this machine's network)
    port: $MDB_PORT
    schema: shop
    credentialsSecretRef:
      name: shop-migrator$TLS_YAML
  table: customers
  alter: "ADD COLUMN nickname VARCHAR(64) NOT NULL DEFAULT '', ADD INDEX idx_nickname (nickname)"
  cutOver:
    mode: Manual             # copy, then wait in AwaitingCutOver until spec.cutOver.approved
    approved: false
  throttle:
    chunkSize: $CHUNK            # small, so the copy lasts long enough to pause it; raised live later
  keepOldTable: true
YAML
sed 's/^/     /' "$WORK/$SMIG.yaml"
kc_show apply -f "$WORK/$SMIG.yaml"

# Live progress: the resource's status, polled once a second and shown on change (phase, percent, rows,
# rows/s, ETA, applied events, lag, throttling, message).
STATUS="$WORK/status.jsonl"
python3 -u "$ROOT/scripts/lib/smig_status.py" --kubectl "$KUBECTL" --kubeconfig "$KUBECONFIG_FILE" \
  -n "$NS" "$SMIG" --interval 1 >"$STATUS" 2>"$WORK/status.err" </dev/null &
POLL_PID=$!
lib_on_exit 'kill "$POLL_PID" 2>/dev/null'
echo
tail -s 0.2 -n +1 -F --pid="$POLL_PID" "$STATUS" 2>/dev/null \
  | python3 -u "$ROOT/scripts/lib/status_view.py" --changes-only --messages &
VIEW_PID=$!
lib_on_exit 'kill "$VIEW_PID" 2>/dev/null'

# await <timeout s> <phase>...: the phase reached; on another ending, a dead cluster or the timeout the
# demo fails, after what the cluster shows (status, pods, events, operator and runner logs).
await() { "${STEPS[@]}" await "$@" || fail "the migration did not reach $(printf '%s ' "${@:2}")(above: what the cluster shows)"; }

PHASE=$(await 120 Copying AwaitingCutOver)

# ---------------------------------------------------------------- 5. pause and resume, live
if [ "$PHASE" = Copying ]; then
  kc_patch '{"spec":{"paused":true}}'
  PHASE=$(await 30 Paused AwaitingCutOver)
  [ "$PHASE" = Paused ] && info "Paused; watching _customers_gho and rowsCopied for 4 s while the writers go on:"
fi
# Fails, saying so, when the copy was done before the pause could land (a smaller DEMO_CHUNK_SIZE helps).
"${STEPS[@]}" paused-holds-still 4 1
kc_show get smig -n "$NS"
kc_patch "{\"spec\":{\"paused\":false,\"throttle\":{\"chunkSize\":$CHUNK_AFTER_RESUME}}}"
info "resumed, and throttle.chunkSize raised from $CHUNK to $CHUNK_AFTER_RESUME (both live)"
await 300 AwaitingCutOver >/dev/null
T_COPIED=$(lib_now)

# ---------------------------------------------------------------- 6. verify before the cut-over
sleep 1.5   # let the status view show the AwaitingCutOver line
step "AwaitingCutOver: verifying the ghost table"
stop_load 1
info "writers $(load_progress 1) during the copy; waiting 2 s for the applier to drain, then"
info "comparing every column of shop.customers with _customers_gho, row by row in key order:"
"${STEPS[@]}" compare-ghost

# ---------------------------------------------------------------- 6. cut-over under load
step "Cut-over under load"
start_load 2
sleep 3
info "writers restarted ($(load_progress 2) so far); approving the cut-over:"
T_RELEASE=$(lib_now)
kc_patch '{"spec":{"cutOver":{"approved":true}}}'
echo
await 120 Succeeded >/dev/null
T_DONE=$(lib_now)
wait "$POLL_PID" 2>/dev/null || true
wait "$VIEW_PID" 2>/dev/null || true
sleep 2   # writes keep landing in the new table
stop_load 2

# ---------------------------------------------------------------- 7. checks
step "After the cut-over"
JOB=$(kc get smig "$SMIG" -n "$NS" -o jsonpath='{.status.jobName}')
kc_show get nodes,deploy,jobs,pods -A || true
kc_show get events -n "$NS" --sort-by=.metadata.creationTimestamp \
  -o custom-columns=TYPE:.type,REASON:.reason,OBJECT:.involvedObject.name,MESSAGE:.message || true
kc_show get smig -n "$NS" || true
# The account's name and password are searched in Kubernetes' objects and the pods' logs, and in the logs
# of the API server, kubelet, containerd and the status poller.
step "Checks"
"${STEPS[@]}" after-cut-over "$ROWS" "$T_RELEASE" "$T_DONE" "$CLUSTER_DIR"/logs/*.log "$STATUS"

# ---------------------------------------------------------------- summary
T_END=$(lib_now)
step "Summary"
info "table:     shop.customers, $(num "$ROWS") rows at the start, $WRITERS writers throughout"
info "ran as:    SchemaMigration $NS/$SMIG -> operator (pod of Deployment transmog-system/transmog-operator)"
info "           -> Job $JOB -> runner pod on node 127.0.0.1 (kubelet, containerd, runc)"
info "timing:    cluster (image build included) ready $(lib_elapsed "$T_CLUSTER" "$T_CLUSTER_READY") s after its start; AwaitingCutOver"
info "           $(lib_elapsed "$T0" "$T_COPIED") s after the demo's start; whole demo $(lib_elapsed "$T0" "$T_END") s"
if ! "${STEPS[@]}" verdict; then
  printf '\n%sDEMO FAILED%s (logs in %s, kept only with DEMO_KEEP=1)\n' "$R" "$N" "$WORK"
  exit 1
fi
printf '\n%sDEMO PASSED%s: a SchemaMigration altered the table online, under load, with no error and no lost write.\n' "$G" "$N"
