#!/usr/bin/env bash
# `make demo`: an online schema change of a 200k-row table under a steady write load, run the way
# Transmog runs in production: a SchemaMigration resource, reconciled by the operator, executed by a
# runner Job. Everything is local and throwaway, started (and always stopped) by this script:
#
#   1. a MariaDB server; shop.customers (varied types, utf8mb4 + emoji, JSON, NULLs)
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
#   7. check: new column + index, old table kept as _customers_del, no writer error, no lost insert,
#      the Job completed, the phase Events, the password nowhere; print the cut-over write stall
#
# Exits 0 only if every check passed. Env: DEMO_DB (mariadb: the host's MariaDB 10.11; mysql: MySQL 9.7, and
# mariadb-11.8, both unpacked by scripts/provision-test-servers.sh; `make demo DB=mysql`), DEMO_ROWS (200000), DEMO_WRITERS (3), DEMO_WRITER_PAUSE
# (0.05 s between a writer's batches), DEMO_CHUNK_SIZE (throttle.chunkSize until the resume, 200),
# DEMO_KEEP=1 keeps the temp dir (logs of the operator, the runners and the API server).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=lib/mariadb.sh
source "$ROOT/scripts/lib/mariadb.sh"

ROWS=${DEMO_ROWS:-200000}
WRITERS=${DEMO_WRITERS:-3}
PAUSE=${DEMO_WRITER_PAUSE:-0.05}
CHUNK=${DEMO_CHUNK_SIZE:-200}
CHUNK_AFTER_RESUME=2000
ALTER="ADD COLUMN nickname VARCHAR(64) NOT NULL DEFAULT '', ADD INDEX idx_nickname (nickname)"
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
KUBE_BIN=$("$ROOT/scripts/provision-kube-binaries.sh" --dir)
KUBECTL="$KUBE_BIN/kubectl"
for b in kube-apiserver kube-controller-manager kube-scheduler kubelet etcd kubectl; do
  [ -x "$KUBE_BIN/$b" ] || { echo "demo: $KUBE_BIN/$b is missing: run 'make kube-deps' (or 'make demo')" >&2; exit 1; }
done
(( ROWS >= WRITERS * 10 )) || { echo "demo: DEMO_ROWS is too small" >&2; exit 1; }

if [ -t 1 ]; then B=$'\033[1m'; G=$'\033[32m'; R=$'\033[31m'; D=$'\033[2m'; N=$'\033[0m'; else B= G= R= D= N=; fi
step() { printf '\n%s== %s%s\n' "$B" "$*" "$N"; }
info() { printf '   %s\n' "$*"; }
num() { sed ':a;s/\B[0-9]\{3\}\>/,&/;ta' <<<"$1"; }   # 1234567 -> 1,234,567

CHECKS=()   # "PASS|FAIL<TAB>text"
check() {   # check <0|1 ok> <text>
  if [ "$1" = 0 ]; then CHECKS+=("PASS	$2"); printf '   %sPASS%s %s\n' "$G" "$N" "$2"
  else CHECKS+=("FAIL	$2"); printf '   %sFAIL%s %s\n' "$R" "$N" "$2"; fi
}

# ---- processes of our own: each runs in a session (process group) of its own, so Ctrl-C reaches only
# this script, whose cleanup stops them in order (operator, then the cluster with its runner processes,
# then MariaDB); a watchdog stops them if this script dies without cleaning up (kill -9).
start_group() {   # start_group <var> <log> <cmd...>: sets <var> to the pid (= process group id)
  local var=$1 log=$2; shift 2
  setsid "$@" </dev/null >"$log" 2>&1 &
  printf -v "$var" '%s' "$!"
  _group_watchdog "$!"
}
stop_group() {   # stop_group <pid> <grace s>: SIGTERM, wait, then KILL whatever is left of its group
  local pid=$1 grace=$2 left
  [ -n "$pid" ] || return 0
  lib_stop_pid "$pid" "$grace"
  left=$(ps -o pid= --sid "$pid" 2>/dev/null | tr -d ' ' | tr '\n' ' ')
  if [ -n "$left" ]; then kill -KILL $left 2>/dev/null || true; fi
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

lib_install_traps
lib_on_exit 'for p in "${WATCHDOG_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done'
T0=$(lib_now)

# ---------------------------------------------------------------- 1. server
step "Starting a throwaway $SERVER_LABEL"
mdb_start 101
WORK="$MDB_DIR/demo"; mkdir -p "$WORK"
info "$MDB_SERVER $MDB_VERSION on 127.0.0.1:$MDB_PORT, datadir under $MDB_DIR (removed at exit)"
info "log_bin=ON binlog_format=ROW binlog_row_image=FULL; the writers' user '$MDB_USER' (all privileges)"
# The migration's own user, with only the privileges the README lists for an online schema change. Its
# password goes into the Secret and nowhere else (created through stdin: never in an argument).
MIGRATOR_USER=shop_migrator
MIGRATOR_PASSWORD_FILE="$MDB_DIR/migrator.password"
(umask 077; head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' >"$MIGRATOR_PASSWORD_FILE")
# Reading the binlog: MariaDB's BINLOG MONITOR is MySQL's REPLICATION CLIENT.
if [ "$MDB_FLAVOR" = mysql-9.7 ]; then BINLOG_PRIV="REPLICATION CLIENT"; else BINLOG_PRIV="BINLOG MONITOR"; fi
mdb_root <<SQL
CREATE USER '$MIGRATOR_USER'@'127.0.0.1' IDENTIFIED BY '$(<"$MIGRATOR_PASSWORD_FILE")';
GRANT ALTER, CREATE, CREATE TEMPORARY TABLES, DELETE, DROP, INDEX, INSERT, LOCK TABLES, SELECT, UPDATE
  ON shop.* TO '$MIGRATOR_USER'@'127.0.0.1';
GRANT REPLICATION SLAVE, $BINLOG_PRIV ON *.* TO '$MIGRATOR_USER'@'127.0.0.1';
SQL
info "the migration's user '$MIGRATOR_USER'@'127.0.0.1': ALTER, CREATE, CREATE TEMPORARY TABLES, DELETE, DROP,"
info "INDEX, INSERT, LOCK TABLES, SELECT, UPDATE on shop.*; REPLICATION SLAVE, $BINLOG_PRIV; a random password"

# ---------------------------------------------------------------- 2. a real local cluster (in the background)
step "Starting a real single-node Kubernetes cluster (in the background, while the table is filled)"
CLUSTER_DIR="$WORK/cluster"
export TRANSMOG_CLUSTER_DIR="$CLUSTER_DIR"
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
step "Creating shop.customers with $(num "$ROWS") rows"
t=$(lib_now)
# The row numbers: MariaDB's sequence engine, or a recursive CTE on MySQL.
if [ "$MDB_FLAVOR" = mysql-9.7 ]; then
  ROWS_SET="SET SESSION cte_max_recursion_depth = $((ROWS + 1));"
  ROWS_WITH="WITH RECURSIVE numbers (seq) AS (SELECT 1 UNION ALL SELECT seq + 1 FROM numbers WHERE seq < $ROWS)"
  ROWS_FROM=numbers
else
  ROWS_SET=""; ROWS_WITH=""; ROWS_FROM="seq_1_to_${ROWS}"
fi
mdb_root <<SQL
CREATE DATABASE shop CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
USE shop;
CREATE TABLE customers (
  id           BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  email        VARCHAR(191) NOT NULL,
  full_name    VARCHAR(120) NOT NULL,
  city         VARCHAR(64) NULL,
  tier         TINYINT UNSIGNED NOT NULL DEFAULT 0,
  visits       INT UNSIGNED NOT NULL DEFAULT 0,
  balance      DECIMAL(12,2) NOT NULL DEFAULT 0.00,
  credit_limit DECIMAL(10,2) NULL,
  score        DOUBLE NULL,
  status       ENUM('active','paused','closed') NOT NULL DEFAULT 'active',
  note         VARCHAR(255) NULL,
  created_at   DATETIME(6) NOT NULL,
  updated_at   DATETIME(6) NULL,
  birthday     DATE NULL,
  prefs        JSON NULL,
  KEY idx_email (email),
  KEY idx_city_tier (city, tier)
) ENGINE=InnoDB;
$ROWS_SET
INSERT INTO customers
  (id, email, full_name, city, tier, visits, balance, credit_limit, score, status, note,
   created_at, updated_at, birthday, prefs)
$ROWS_WITH
SELECT seq,
  CONCAT('user', seq, '@example.', ELT(1 + seq % 4, 'com', 'org', 'net', 'io')),
  CONCAT(ELT(1 + seq % 8, 'Ana', 'Björn', 'Zoë', '李雷', 'Søren', 'Amélie', 'Ōta', 'Nnamdi'), ' ',
         ELT(1 + seq % 5, 'Smith', 'Müller', 'García', 'Ng', 'O''Brien'), IF(seq % 7 = 0, ' 🦄', '')),
  IF(seq % 11 = 0, NULL, ELT(1 + seq % 6, 'Berlin', 'São Paulo', 'Tōkyō', 'Zürich', 'Kraków', 'Reykjavík')),
  seq % 4,
  seq % 1000,
  ROUND((seq * 7919 % 10000000) / 100, 2),
  IF(seq % 3 = 0, NULL, (seq % 50) * 100),
  IF(seq % 13 = 0, NULL, (seq % 1000) / 7),
  ELT(1 + seq % 3, 'active', 'paused', 'closed'),
  IF(seq % 3 = 0, NULL, CONCAT('likes ', ELT(1 + seq % 6, '☕ coffee', '🍕 pizza', '🎧 music', '🚲 bikes', '📚 books', '🌮 tacos'), ' #', seq)),
  TIMESTAMP'2020-01-01 00:00:00' + INTERVAL seq * 137 SECOND + INTERVAL (seq * 7919) % 1000000 MICROSECOND,
  IF(seq % 2 = 0, NULL, TIMESTAMP'2024-01-01 00:00:00' + INTERVAL seq * 61 SECOND + INTERVAL (seq * 104729) % 1000000 MICROSECOND),
  IF(seq % 5 = 0, NULL, DATE'1950-01-01' + INTERVAL seq % 20000 DAY),
  IF(seq % 5 = 0, NULL, JSON_OBJECT('newsletter', seq % 2 = 0, 'lang', ELT(1 + seq % 3, 'en', 'de', 'ja'),
                                    'tags', JSON_ARRAY(seq % 10, CONCAT('t', seq % 13)), 'emoji', IF(seq % 9 = 0, '🎉', NULL)))
FROM $ROWS_FROM;
SQL
info "$(mdb_value "SELECT FORMAT(COUNT(*), 0) FROM shop.customers") rows in $(lib_elapsed "$t" "$(lib_now)") s; a sample:"
mdb_root --table -e "SELECT id, email, full_name, city, balance, score, note, created_at, prefs FROM shop.customers WHERE id IN (7, 9, 12)" | sed 's/^/   /'

step "The local cluster"
if ! wait "$CLUSTER_PID"; then
  printf '%sFAIL%s the local cluster did not start:\n' "$R" "$N"
  tail -n 30 "$WORK/cluster.log" | sed 's/^/   /'
  exit 1
fi
T_CLUSTER_READY=$(lib_now)
KUBECONFIG_FILE="$CLUSTER_DIR/admin.kubeconfig"
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
OPERATOR_LOG="$WORK/operator.log"
RUNNER_LOG="$WORK/runners.log"
# The pods' logs, from the kubelet (kubectl logs), into files for the failure output and the leak check.
collect_logs() {
  kc -n transmog-system logs deployment/transmog-operator --tail=-1 >"$OPERATOR_LOG" 2>&1 || true
  kc -n "$NS" logs -l app.kubernetes.io/component=runner --prefix --tail=-1 >"$RUNNER_LOG" 2>&1 || true
}
cluster_alive() {
  local c pid
  for c in kube-apiserver kubelet containerd; do
    pid=$(cat "$CLUSTER_DIR/pids/$c" 2>/dev/null) && kill -0 "$pid" 2>/dev/null || return 1
  done
}

# ---------------------------------------------------------------- 4. the write load
# Each writer is a bash loop printing SQL into one long-lived `mariadb --force` session
# (like an application's pooled connection). Writer w only touches ids in its own stripe
# (id % WRITERS), and its one multi-row transaction locks rows in ascending order, so the
# writers cannot deadlock each other. Rows it inserts are tagged p<phase>-w<w>-<seq>, are
# never updated or deleted, and must all be in the final table. After every batch the
# session prints "<seq> <server time>", which counts batches and shows stalls.
WRITER_PIDS=()
STRIPE=$(( ROWS / WRITERS - 4 ))

writer_loop() {   # writer_loop <w> <phase> <stop-file>
  local w=$1 phase=$2 stop=$3 s=0 k r1 r2 r3 r4 nap
  RANDOM=$(( (w + 1) * 7919 + phase * 104729 ))
  mkfifo "$WORK/nap.$w.$phase"
  exec {nap}<>"$WORK/nap.$w.$phase"   # read -t on a silent fifo: a sleep without forking
  while [ ! -e "$stop" ]; do
    s=$((s + 1))
    k=$(( (RANDOM << 15 | RANDOM) % STRIPE )); r1=$(( k * WRITERS + w + 1 ))
    k=$(( (RANDOM << 15 | RANDOM) % STRIPE )); r2=$(( k * WRITERS + w + 1 ))
    k=$(( (RANDOM << 15 | RANDOM) % STRIPE )); r3=$(( k * WRITERS + w + 1 ))
    k=$(( (RANDOM << 15 | RANDOM) % STRIPE )); r4=$(( k * WRITERS + w + 1 ))
    printf '%s\n' \
      "INSERT INTO customers (email, full_name, city, tier, visits, balance, credit_limit, score, status, note, created_at, prefs) VALUES ('p$phase-w$w-$s@load.test', 'Writer $w 🐙 Load', 'Zürich', 1, 0, 10.50, NULL, 0.5, 'active', 'inserted under load ✨ #$s', NOW(6), JSON_OBJECT('writer', $w, 'seq', $s, 'phase', $phase));" \
      "UPDATE customers SET balance = balance + 1.25, visits = visits + 1, updated_at = NOW(6) WHERE id = $r1;" \
      "UPDATE customers SET note = IF(note IS NULL, 'updated under load 🎯 $s', NULL), city = ELT(1 + $s % 3, 'Oslo', NULL, 'Kyōto'), prefs = JSON_SET(COALESCE(prefs, '{}'), '\$.seen', $s), score = IF(score IS NULL, $s / 3, NULL), status = ELT(1 + $s % 3, 'active', 'paused', 'closed'), birthday = IF(birthday IS NULL, '1999-12-31', NULL), updated_at = NOW(6) WHERE id = $r2;" \
      "START TRANSACTION;" \
      "UPDATE customers SET tier = (tier + 1) % 4, credit_limit = IF(credit_limit IS NULL, 250.00, NULL), updated_at = NOW(6) WHERE id IN ($r3, $((r3 + WRITERS)), $((r3 + 2 * WRITERS)));" \
      "DELETE FROM customers WHERE id = $((r3 + 3 * WRITERS));" \
      "COMMIT;"
    if (( s % 10 == 0 )); then   # re-key a row: the primary key itself changes
      printf '%s\n' "UPDATE customers SET id = -$(( (w + 1) * 100000000 + phase * 10000000 + s )), updated_at = NOW(6) WHERE id = $r4;"
    fi
    printf '%s\n' "SELECT $s, UNIX_TIMESTAMP(SYSDATE(6));"
    read -r -t "$PAUSE" -u "$nap" _ || true
  done
}

start_writers() {   # start_writers <phase>
  local phase=$1 w
  rm -f "$WORK/stop.$phase"
  for ((w = 0; w < WRITERS; w++)); do
    mkfifo "$WORK/w$w.p$phase.sql"
    mariadb --defaults-file="$MDB_APP_CNF" --batch --skip-column-names --force --unbuffered --database=shop \
      <"$WORK/w$w.p$phase.sql" >"$WORK/w$w.p$phase.out" 2>"$WORK/w$w.p$phase.err" &
    WRITER_PIDS+=($!)
    echo "$!" >"$WORK/w$w.p$phase.client.pid"
    writer_loop "$w" "$phase" "$WORK/stop.$phase" >"$WORK/w$w.p$phase.sql" 2>>"$WORK/w$w.p$phase.err" &
    WRITER_PIDS+=($!)
    echo "$!" >"$WORK/w$w.p$phase.loop.pid"
  done
}

WRITER_CLIENT_FAILURES=0
stop_writers() {   # stop_writers <phase>: the loops finish their batch, the sessions drain and exit
  local phase=$1 w pid rc
  touch "$WORK/stop.$phase"
  for ((w = 0; w < WRITERS; w++)); do
    wait "$(cat "$WORK/w$w.p$phase.loop.pid")" || true
    pid=$(cat "$WORK/w$w.p$phase.client.pid")
    rc=0; wait "$pid" || rc=$?
    if [ "$rc" != 0 ]; then WRITER_CLIENT_FAILURES=$((WRITER_CLIENT_FAILURES + 1)); echo "   writer $w session exited with $rc" >&2; fi
  done
  WRITER_PIDS=()
}
lib_on_exit 'for p in "${WRITER_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done'

writer_stats() {   # writer_stats <phase>: "<batches> <errors>"
  local phase=$1 batches=0 errors=0 w
  for ((w = 0; w < WRITERS; w++)); do
    batches=$(( batches + $(wc -l <"$WORK/w$w.p$phase.out") ))
    errors=$(( errors + $(grep -c '^ERROR' "$WORK/w$w.p$phase.err" || true) ))
  done
  echo "$batches $errors"
}

step "Starting the write load: $WRITERS writers, a batch every ~${PAUSE}s each"
info "batch = INSERT; UPDATE balance/visits; UPDATE note/city/JSON/score/enum/date (sets and clears NULLs);"
info "        BEGIN; UPDATE 3 rows; DELETE 1 row; COMMIT; every 10th batch re-keys a row (UPDATE ... SET id = ...)"
start_writers 1
sleep 2
read -r b e < <(writer_stats 1)
info "running: $b batches (~$((b * 7)) statements) in the first 2 s, $e errors"

# ---------------------------------------------------------------- 5. the migration, as a resource
step "kubectl: the namespace, the runner's RBAC and the credentials Secret"
kc_show create namespace "$NS"
kc_show apply -f "$ROOT/examples/01-runner-rbac.yaml"
# The Secret from the template, with the demo user and its password filled in: through stdin, so the
# password is never in an argument (ps) or on the screen.
SECRET_YAML=$(<"$ROOT/examples/00-credentials-secret.template.yaml")
SECRET_YAML=${SECRET_YAML/username: migrator/username: $MIGRATOR_USER}
SECRET_YAML=${SECRET_YAML/password: CHANGE-ME/password: $(<"$MIGRATOR_PASSWORD_FILE")}
info "examples/00-credentials-secret.template.yaml with username: $MIGRATOR_USER and the password from"
info "$MIGRATOR_PASSWORD_FILE (not shown), piped to:"
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
  alter: "$ALTER"
  cutOver:
    mode: Manual             # copy, then wait in AwaitingCutOver until spec.cutOver.approved
    approved: false
  throttle:
    chunkSize: $CHUNK            # small, so the copy lasts long enough to pause it; raised live later
  keepOldTable: true
YAML
sed 's/^/     /' "$WORK/$SMIG.yaml"
T_APPLY=$(lib_now)
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

last_status() { tail -n 1 "$STATUS" 2>/dev/null; }
status_phase() { last_status | sed -n 's/.*"phase":"\([^"]*\)".*/\1/p'; }
status_rows() { local r; r=$(last_status | sed -n 's/.*"rowsCopied":\([0-9]*\).*/\1/p'); echo "${r:-0}"; }

migration_failed() {   # migration_failed <why>
  sleep 1
  printf '\n%sFAIL%s %s; last status, operator and runner log lines:\n' "$R" "$N" "$1"
  last_status | cut -c1-400 | sed 's/^/   /'
  collect_logs
  tail -n 12 "$OPERATOR_LOG" | cut -c1-300 | sed 's/^/   operator| /'
  tail -n 20 "$RUNNER_LOG" | cut -c1-300 | sed 's/^/   /'
  exit 1
}

# wait_phase <timeout s> <phase>...: until the status shows one of the phases; fails the demo on a
# finished phase that was not asked for, a dead cluster, or the timeout.
wait_phase() {
  local timeout=$1 t; shift
  local wanted=" $* " phase
  t=$(lib_now)
  while :; do
    phase=$(status_phase)
    [[ -n $phase && $wanted == *" $phase "* ]] && return 0
    case $phase in Failed|Cancelled|Succeeded|Validated) migration_failed "the migration ended in $phase while waiting for $*";; esac
    cluster_alive || migration_failed "the local cluster stopped"
    (( $(lib_elapsed "$t" "$(lib_now)" | cut -d. -f1) < timeout )) || migration_failed "no phase $* within $timeout s"
    sleep 0.2
  done
}

wait_phase 120 Copying AwaitingCutOver
T_COPYING=$(lib_now)

# ---------------------------------------------------------------- 5. pause and resume, live
PAUSED_OK=1
if [ "$(status_phase)" = Copying ]; then
  printf '   %s$ kubectl patch smig %s -n %s --type merge -p '"'"'{"spec":{"paused":true}}'"'"'%s\n' "$D" "$SMIG" "$NS" "$N"
  kc patch smig "$SMIG" -n "$NS" --type merge -p '{"spec":{"paused":true}}' | sed 's/^/     /'
  T_PAUSE=$(lib_now)
  wait_phase 30 Paused AwaitingCutOver
  if [ "$(status_phase)" = Paused ]; then
    info "Paused $(lib_elapsed "$T_PAUSE" "$(lib_now)") s after the patch; watching _customers_gho for 4 s while the writers go on:"
    g1=$(mdb_value "SELECT COUNT(*) FROM shop._customers_gho"); r1=$(status_rows); read -r b1 _ < <(writer_stats 1)
    sleep 4
    g2=$(mdb_value "SELECT COUNT(*) FROM shop._customers_gho"); r2=$(status_rows); read -r b2 _ < <(writer_stats 1)
    [ "$(status_phase)" = Paused ] && (( g1 == g2 && r1 == r2 && b2 > b1 )) && PAUSED_OK=0
    check "$PAUSED_OK" "paused mid-copy: _customers_gho held still at $(num "$g1") -> $(num "$g2") rows, status rowsCopied $(num "$r1") -> $(num "$r2"), while the writers ran $((b2 - b1)) batches"
    kc_show get smig -n "$NS"
  else
    check 1 "pause mid-copy: the copy was done before the pause took effect (try a smaller DEMO_CHUNK_SIZE)"
  fi
  printf '   %s$ kubectl patch smig %s -n %s --type merge -p '"'"'{"spec":{"paused":false,"throttle":{"chunkSize":%s}}}'"'"'%s\n' "$D" "$SMIG" "$NS" "$CHUNK_AFTER_RESUME" "$N"
  kc patch smig "$SMIG" -n "$NS" --type merge -p "{\"spec\":{\"paused\":false,\"throttle\":{\"chunkSize\":$CHUNK_AFTER_RESUME}}}" | sed 's/^/     /'
  info "resumed, and throttle.chunkSize raised from $CHUNK to $CHUNK_AFTER_RESUME (both live)"
  wait_phase 30 Copying AwaitingCutOver
else
  check 1 "pause mid-copy: the copy was done before the demo saw it copying (try a smaller DEMO_CHUNK_SIZE)"
fi

wait_phase 300 AwaitingCutOver
T_COPIED=$(lib_now)

# ---------------------------------------------------------------- 6. verify before the cut-over
sleep 1.5   # let the status view show the AwaitingCutOver line
step "AwaitingCutOver: verifying the ghost table"
stop_writers 1
read -r BATCHES1 ERRORS1 < <(writer_stats 1)
info "writers stopped: $BATCHES1 batches during the copy, $ERRORS1 errors; waiting 2 s for the applier to drain"
sleep 2
COLS=$(mdb_value "SELECT GROUP_CONCAT(CONCAT('\`', COLUMN_NAME, '\`') ORDER BY ORDINAL_POSITION SEPARATOR ', ')
                  FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'shop' AND TABLE_NAME = 'customers'")
NCOLS=$(mdb_value "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'shop' AND TABLE_NAME = 'customers'")
dump() { mdb_root --batch --skip-column-names --quick -D shop -e "SELECT $COLS FROM \`$1\` ORDER BY id" >"$2"; }
for try in 1 2 3; do   # a loaded machine may need longer than 2 s to drain: retry, and say so
  dump customers "$WORK/original.tsv"
  dump _customers_gho "$WORK/ghost.tsv"
  if cmp -s "$WORK/original.tsv" "$WORK/ghost.tsv"; then break; fi
  if [ "$try" -lt 3 ]; then info "not equal yet (try $try); waiting 2 s more for the applier"; sleep 2; fi
done
N_ORIG=$(wc -l <"$WORK/original.tsv"); N_GHOST=$(wc -l <"$WORK/ghost.tsv")
SUM_ORIG=$(sha256sum <"$WORK/original.tsv" | cut -c1-16); SUM_GHOST=$(sha256sum <"$WORK/ghost.tsv" | cut -c1-16)
info "customers:      $(num "$N_ORIG") rows, sha256 of the $NCOLS-column dump ordered by id: $SUM_ORIG"
info "_customers_gho: $(num "$N_GHOST") rows, sha256 of the same columns:                 $SUM_GHOST"
if cmp -s "$WORK/original.tsv" "$WORK/ghost.tsv"; then
  check 0 "ghost table equals the original row for row ($(num "$N_ORIG") rows x $NCOLS columns, incl. $(mdb_value "SELECT COUNT(*) FROM shop.customers WHERE id < 0") re-keyed rows)"
else
  check 1 "ghost table differs from the original; first differences (< original, > ghost):"
  diff "$WORK/original.tsv" "$WORK/ghost.tsv" | head -n 12 | cut -c1-200 | sed 's/^/      /' || true
fi
check "$(( ERRORS1 + WRITER_CLIENT_FAILURES > 0 ))" "writers during the copy: $BATCHES1 batches, $ERRORS1 errors"
rm -f "$WORK/original.tsv" "$WORK/ghost.tsv"

# ---------------------------------------------------------------- 6. cut-over under load
step "Cut-over under load"
start_writers 2
sleep 3
read -r b e < <(writer_stats 2)
info "writers restarted ($b batches so far); approving the cut-over:"
printf '   %s$ kubectl patch smig %s -n %s --type merge -p '"'"'{"spec":{"cutOver":{"approved":true}}}'"'"'%s\n' "$D" "$SMIG" "$NS" "$N"
T_RELEASE=$(lib_now)
kc patch smig "$SMIG" -n "$NS" --type merge -p '{"spec":{"cutOver":{"approved":true}}}' | sed 's/^/     /'
echo
wait_phase 120 Succeeded Failed Cancelled
T_DONE=$(lib_now)
wait "$POLL_PID" 2>/dev/null || true
wait "$VIEW_PID" 2>/dev/null || true
sleep 2   # writes keep landing in the new table
stop_writers 2
read -r BATCHES2 ERRORS2 < <(writer_stats 2)

# ---------------------------------------------------------------- 7. checks
step "Checks after the cut-over"
collect_logs
FINAL=$(last_status)
read -r PHASE STALL ATTEMPTS ROWS_COPIED EVENTS JOB < <(python3 -c '
import json, sys
s = json.loads(sys.argv[1]); c = s.get("cutOver") or {}
print(s.get("phase"), c.get("stallMillis", "n/a"), c.get("attempts", 0), s.get("rowsCopied"), s.get("eventsApplied"), s.get("jobName") or "-")' "$FINAL")
check "$([ "$PHASE" = Succeeded ]; echo $?)" "SchemaMigration $NS/$SMIG: phase $PHASE (after $ATTEMPTS cut-over attempt(s))"
[ "$PHASE" = Succeeded ] || { tail -n 20 "$RUNNER_LOG" | cut -c1-300 | sed 's/^/      /'; }

q() { mdb_value "$1"; }
has_col=$(q "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA='shop' AND TABLE_NAME='customers' AND COLUMN_NAME='nickname'")
has_idx=$(q "SELECT COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA='shop' AND TABLE_NAME='customers' AND INDEX_NAME='idx_nickname'")
check "$(( has_col != 1 || has_idx != 1 ))" "shop.customers has column nickname ($has_col) and index idx_nickname ($has_idx)"
del_rows=$(q "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA='shop' AND TABLE_NAME='_customers_del'")
del_nick=$(q "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA='shop' AND TABLE_NAME='_customers_del' AND COLUMN_NAME='nickname'")
if [ "$del_rows" = 1 ]; then del_count=$(q "SELECT COUNT(*) FROM shop._customers_del"); else del_count=0; fi
check "$(( del_rows != 1 || del_nick != 0 ))" "the old table is kept as shop._customers_del ($(num "$del_count") rows, no nickname column)"
leftovers=$(q "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA='shop' AND TABLE_NAME IN ('_customers_gho','_customers_ghc')")
check "$(( leftovers != 0 ))" "no ghost or changelog table left behind ($leftovers)"
check "$(( ERRORS2 + WRITER_CLIENT_FAILURES > 0 ))" "writers during the cut-over: $BATCHES2 batches, $ERRORS2 errors (e.g. no \"Table doesn't exist\")"
if (( ERRORS1 + ERRORS2 > 0 )); then grep -h '^ERROR' "$WORK"/w*.err | sed 's/ at line [0-9]*//' | sort | uniq -c | sort -rn | head -n 5 | sed 's/^/      /'; fi
p1=$(q "SELECT COUNT(*) FROM shop.customers WHERE email LIKE 'p1-w%'")
p2=$(q "SELECT COUNT(*) FROM shop.customers WHERE email LIKE 'p2-w%'")
check "$(( p1 != BATCHES1 || p2 != BATCHES2 ))" "no lost insert: shop.customers holds $p1/$BATCHES1 rows inserted during the copy and $p2/$BATCHES2 during the cut-over phase"

# The runner Job, as the real Job controller reports it.
JOB_DONE=
for _ in $(seq 1 100); do   # the Job controller marks it Complete once the kubelet reported the pod Succeeded
  JOB_DONE=$(kc get job "$JOB" -n "$NS" -o jsonpath='{.status.conditions[?(@.type=="Complete")].status}' 2>/dev/null || true)
  [ "$JOB_DONE" = True ] && break
  sleep 0.2
done
EXIT_CODES=$(kc get pods -n "$NS" -l "job-name=$JOB" -o jsonpath='{range .items[*]}{.status.containerStatuses[0].state.terminated.exitCode}{" "}{end}' 2>/dev/null || true)
EXIT_CODES=$(echo $EXIT_CODES)   # trimmed
kc_show get nodes,deploy,jobs,pods -A || true
check "$([ "$JOB_DONE" = True ] && [ "$EXIT_CODES" = 0 ]; echo $?)" "runner Job $JOB is Complete (its pod's runner process exit code(s): ${EXIT_CODES:-none})"

# The Events the operator recorded, one per phase it announced.
kc_show get events -n "$NS" --sort-by=.metadata.creationTimestamp \
  -o custom-columns=TYPE:.type,REASON:.reason,OBJECT:.involvedObject.name,MESSAGE:.message || true
REASONS=$(kc get events -n "$NS" --field-selector "involvedObject.kind=SchemaMigration,involvedObject.name=$SMIG" \
  -o jsonpath='{range .items[*]}{.reason}{" "}{end}' 2>/dev/null || true)
missing=""
for r in Pending Copying Paused AwaitingCutOver Succeeded; do [[ " $REASONS " == *" $r "* ]] || missing+=" $r"; done
check "$([ -z "$missing" ]; echo $?)" "Events on smig/$SMIG for the phases:$(for r in $REASONS; do printf ' %s' "$r"; done)${missing:+ (missing:$missing)}"
kc_show get smig -n "$NS" || true

# The password: in the Secret only, nowhere else (resource, Job, Pod, Events, operator, runner, API server logs).
(umask 077; { cat "$MIGRATOR_PASSWORD_FILE"; echo; printf '%s' "$(<"$MIGRATOR_PASSWORD_FILE")" | base64; } >"$WORK/secret.patterns")
kc get smig,job,pod,events -n "$NS" -o yaml >"$WORK/resources.yaml" 2>&1 || true
LEAKS=$(grep -l -F -f "$WORK/secret.patterns" "$WORK/resources.yaml" "$OPERATOR_LOG" "$RUNNER_LOG" \
  "$CLUSTER_DIR"/logs/*.log "$STATUS" 2>/dev/null || true)
check "$([ -z "$LEAKS" ]; echo $?)" "the password of $MIGRATOR_USER (plain or base64) is nowhere in the SchemaMigration, Job, Pod, Events, nor the logs of the operator, the runner, the API server, kubelet, containerd${LEAKS:+: found in $LEAKS}"
rm -f "$WORK/secret.patterns"

# The writers' own view of the stall: gaps between two consecutive batch completions of
# one session (normally ~PAUSE plus a few ms). Those spanning the cut-over (approval ->
# Succeeded seen) against the rest of phase 2.
read -r GAP_CUT GAP_OTHER GAP_MED < <(python3 - "$WORK" "$WRITERS" "$T_RELEASE" "$T_DONE" <<'PY'
import sys, statistics
work, writers, start, end = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
cut, other = [0.0], [0.0]
gaps = []
for w in range(writers):
    ts = [float(line.split()[1]) for line in open(f"{work}/w{w}.p2.out") if line.strip()]
    for a, b in zip(ts, ts[1:]):
        (cut if b >= start and a <= end else other).append(b - a)
        gaps.append(b - a)
med = statistics.median(gaps) if gaps else 0
print(f"{max(cut) * 1000:.0f} {max(other) * 1000:.0f} {med * 1000:.0f}")
PY
)

# ---------------------------------------------------------------- summary
T_END=$(lib_now)
fails=0
for c in "${CHECKS[@]}"; do [[ $c == FAIL* ]] && fails=$((fails + 1)); done
step "Summary"
info "table:            shop.customers, $(num "$ROWS") rows at the start, $WRITERS writers throughout"
info "alter:            $ALTER"
info "ran as:           SchemaMigration $NS/$SMIG -> operator (pod of Deployment transmog-system/transmog-operator)"
info "                  -> Job $JOB -> runner pod on node 127.0.0.1 (kubelet, containerd, runc)"
info "copy:             $(num "$ROWS_COPIED") rows copied, $(num "$EVENTS") changed keys applied from the binlog"
info "cut-over:         $ATTEMPTS attempt(s); write stall reported in status.cutOver.stallMillis: ${STALL} ms"
info "                  seen by the writers: longest gap between two batches across the cut-over ${GAP_CUT} ms"
info "                  (longest elsewhere in that phase ${GAP_OTHER} ms, median ${GAP_MED} ms incl. the ${PAUSE} s pause)"
info "timing:           cluster (image build included) ready $(lib_elapsed "$T_CLUSTER" "$T_CLUSTER_READY") s after its start; resource applied -> Copying $(lib_elapsed "$T_APPLY" "$T_COPYING") s;"
info "                  AwaitingCutOver $(lib_elapsed "$T0" "$T_COPIED") s after the demo's start; approved -> Succeeded seen in $(lib_elapsed "$T_RELEASE" "$T_DONE") s;"
info "                  whole demo $(lib_elapsed "$T0" "$T_END") s"
info "checks:           $(( ${#CHECKS[@]} - fails )) passed, $fails failed"
if (( fails > 0 )); then
  printf '\n%sDEMO FAILED%s (logs in %s, kept only with DEMO_KEEP=1)\n' "$R" "$N" "$WORK"
  exit 1
fi
printf '\n%sDEMO PASSED%s: a SchemaMigration altered the table online, under load, with no error and no lost write.\n' "$G" "$N"
