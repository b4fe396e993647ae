#!/usr/bin/env bash
# `make bench`: plain `ALTER TABLE ... ALGORITHM=COPY` against `transmog migrate --execute`
# on two identical sysbench-shaped tables, no concurrent load, on a throwaway MariaDB.
#
# Prints elapsed time and rows/s of both, the transmog/plain ratio, the cut-over write
# stall from transmog's last status line, and the JVM's memory: peak heap occupancy as
# seen by the GC log and peak RSS (VmHWM). Env: BENCH_ROWS (1000000), BENCH_XMX (256m),
# BENCH_CHUNK_SIZE (transmog's default when unset), BENCH_KEEP=1 keeps the temp dir.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=lib/mariadb.sh
source "$ROOT/scripts/lib/mariadb.sh"

ROWS=${BENCH_ROWS:-1000000}
XMX=${BENCH_XMX:-256m}
ALTER="ADD COLUMN extra INT NOT NULL DEFAULT 0"
[ "${BENCH_KEEP:-0}" = 1 ] && export MDB_KEEP_DIR=1
[ -x "$ROOT/bin/transmog" ] || { echo "bench: bin/transmog is missing: run 'make build' (or 'make bench')" >&2; exit 1; }
[[ $ROWS =~ ^[1-9][0-9]*$ ]] || { echo "bench: BENCH_ROWS must be a positive integer" >&2; exit 1; }

if [ -t 1 ]; then B=$'\033[1m'; N=$'\033[0m'; else B= N=; fi
step() { printf '\n%s== %s%s\n' "$B" "$*" "$N"; }
info() { printf '   %s\n' "$*"; }
num() { sed ':a;s/\B[0-9]\{3\}\>/,&/;ta' <<<"$1"; }
calc() { python3 -c "print($1)"; }

lib_install_traps

step "Starting a throwaway MariaDB"
mdb_start 102
WORK="$MDB_DIR/bench"; mkdir -p "$WORK"
info "mariadbd $MDB_VERSION on 127.0.0.1:$MDB_PORT, innodb_buffer_pool_size=$(mdb_value "SELECT @@innodb_buffer_pool_size DIV 1048576")M, $(nproc) CPUs"

step "Creating sbtest1 with $(num "$ROWS") rows, twice"
t=$(lib_now)
# sysbench's shape and value format: c = 10 groups of 11 digits, pad = 5 groups.
grp() { echo "LPAD((seq * $1 + $2) % 100000000000, 11, '0')"; }
C="CONCAT_WS('-', $(grp 2654435761 1), $(grp 40503 7), $(grp 2246822519 13), $(grp 3266489917 17), $(grp 668265263 19), $(grp 374761393 23), $(grp 1597334677 29), $(grp 3812015801 31), $(grp 961748941 37), $(grp 982451653 41))"
PAD="CONCAT_WS('-', $(grp 1299709 43), $(grp 15485863 47), $(grp 32452843 53), $(grp 49979687 59), $(grp 67867967 61))"
mdb_root >/dev/null <<SQL
CREATE DATABASE bench_plain;
CREATE DATABASE bench_transmog;
CREATE TABLE bench_plain.sbtest1 (
  id  INT NOT NULL AUTO_INCREMENT,
  k   INT NOT NULL DEFAULT 0,
  c   CHAR(120) NOT NULL DEFAULT '',
  pad CHAR(60) NOT NULL DEFAULT '',
  PRIMARY KEY (id),
  KEY k_1 (k)
) ENGINE=InnoDB;
USE bench_plain;
INSERT INTO bench_plain.sbtest1 (id, k, c, pad)
  SELECT seq, 1 + (seq * 2654435761) % $ROWS, $C, $PAD FROM seq_1_to_$ROWS;
CREATE TABLE bench_transmog.sbtest1 LIKE bench_plain.sbtest1;
INSERT INTO bench_transmog.sbtest1 SELECT * FROM bench_plain.sbtest1 ORDER BY id;
ANALYZE TABLE bench_plain.sbtest1, bench_transmog.sbtest1;
SQL
info "bench_plain.sbtest1 and bench_transmog.sbtest1 ready in $(lib_elapsed "$t" "$(lib_now)") s;" \
     "$(mdb_value "SELECT ROUND((DATA_LENGTH + INDEX_LENGTH) / 1048576) FROM information_schema.TABLES WHERE TABLE_SCHEMA='bench_plain' AND TABLE_NAME='sbtest1'") MiB each"

warm() { mdb_value "SELECT COUNT(*), SUM(k) FROM $1 FORCE INDEX (PRIMARY)" >/dev/null; }

# ---------------------------------------------------------------- plain ALTER
step "Plain ALTER TABLE bench_plain.sbtest1 $ALTER, ALGORITHM=COPY"
warm bench_plain.sbtest1
t=$(lib_now)
mdb_root -e "ALTER TABLE bench_plain.sbtest1 $ALTER, ALGORITHM=COPY"
PLAIN=$(lib_elapsed "$t" "$(lib_now)")
info "done in $PLAIN s"

# ---------------------------------------------------------------- transmog
step "transmog migrate --execute on bench_transmog.sbtest1 (TRANSMOG_JAVA_OPTS=\"-Xmx$XMX -Xlog:gc:file=...\")"
warm bench_transmog.sbtest1
chunk=(); [ -n "${BENCH_CHUNK_SIZE:-}" ] && chunk=(--chunk-size "$BENCH_CHUNK_SIZE")
t=$(lib_now)
TRANSMOG_JAVA_OPTS="-Xmx$XMX -Xlog:gc:file=$WORK/gc.log" \
  "$ROOT/bin/transmog" migrate --host 127.0.0.1 --port "$MDB_PORT" --user "$MDB_USER" --password-file "$MDB_PASSWORD_FILE" \
  --database bench_transmog --table sbtest1 --alter "$ALTER" --execute --ok-to-drop-table \
  --status-json --status-interval-seconds 2 "${chunk[@]}" \
  2>"$WORK/transmog.log" </dev/null \
  > >(python3 -u "$ROOT/scripts/lib/status_view.py" --stamp "$WORK/status.stamped" --changes-only) &
TPID=$!   # the launcher execs java: this is the JVM
lib_on_exit 'lib_stop_pid "$TPID" 10'
HWM=0
while kill -0 "$TPID" 2>/dev/null; do
  v=$(awk '/^VmHWM:/ {print $2}' "/proc/$TPID/status" 2>/dev/null || true)
  [ -n "$v" ] && (( v > HWM )) && HWM=$v
  sleep 0.1
done
TRC=0; wait "$TPID" || TRC=$?
T_END=$(lib_now)
TRANSMOG=$(lib_elapsed "$t" "$T_END")
for _ in 1 2 3 4 5 6 7 8 9 10; do grep -q '"phase":"\(Succeeded\|Failed\|Cancelled\)"' "$WORK/status.stamped" 2>/dev/null && break; sleep 0.1; done
info "exited $TRC after $TRANSMOG s"
if [ "$TRC" != 0 ]; then
  tail -n 20 "$WORK/transmog.log" | sed 's/^/   /'
  echo "bench: transmog failed" >&2
  exit 1
fi

# ---------------------------------------------------------------- results
read -r PHASE STALL COPY_S ATTEMPTS < <(python3 - "$WORK/status.stamped" <<'PY'
import json, sys
first_copy = copy_end = None
last = {}
for line in open(sys.argv[1], encoding="utf-8"):
    ts, _, raw = line.partition(" ")
    try:
        s = json.loads(raw)
    except ValueError:
        continue
    last = s
    if s.get("phase") == "Copying" and first_copy is None:
        first_copy = float(ts)
    if s.get("phase") in ("AwaitingCutOver", "CuttingOver") and copy_end is None:
        copy_end = float(ts)
cut = last.get("cutOver") or {}
copy = f"{copy_end - first_copy:.2f}" if first_copy and copy_end else "n/a"
print(last.get("phase"), cut.get("stallMillis", "n/a"), copy, cut.get("attempts", 0))
PY
)
read -r GC_PEAK GC_LIVE GC_COUNT GC_COMMITTED < <(python3 - "$WORK/gc.log" <<'PY'
import re, sys
peak, live, count, committed = 0, 0, 0, 0
units = {"K": 1 / 1024, "M": 1, "G": 1024}
for line in open(sys.argv[1]):
    m = re.search(r"Pause.* (\d+)([KMG])->(\d+)([KMG])\((\d+)([KMG])\)", line)
    if m:
        count += 1
        peak = max(peak, int(m.group(1)) * units[m.group(2)])
        live = max(live, int(m.group(3)) * units[m.group(4)])
        committed = max(committed, int(m.group(5)) * units[m.group(6)])
print(f"{peak:.0f} {live:.0f} {count} {committed:.0f}" if count else "n/a n/a 0 n/a")
PY
)
SUM_PLAIN=$(mdb_value "CHECKSUM TABLE bench_plain.sbtest1" | cut -f2)
SUM_TRANSMOG=$(mdb_value "CHECKSUM TABLE bench_transmog.sbtest1" | cut -f2)
OLD_LEFT=$(mdb_value "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA='bench_transmog' AND TABLE_NAME LIKE '\\_sbtest1\\_%'")

step "Results ($(num "$ROWS") rows, $ALTER, no concurrent load)"
printf '   %-44s %9s s  %12s rows/s\n' "plain ALTER TABLE ... ALGORITHM=COPY" "$PLAIN" "$(num "$(calc "round($ROWS / $PLAIN)")")"
printf '   %-44s %9s s  %12s rows/s\n' "transmog migrate --execute (whole CLI run)" "$TRANSMOG" "$(num "$(calc "round($ROWS / $TRANSMOG)")")"
[ "$COPY_S" != n/a ] && printf '   %-44s %9s s  %12s rows/s\n' "  of which the row copy (Copying phase)" "$COPY_S" "$(num "$(calc "round($ROWS / $COPY_S)")")"
# The checksum pass before the cut-over is part of transmog's run; its own log line gives its time.
CHECKSUM_MS=$(grep -o 'checksum pass [0-9]*: [0-9]* rows in [0-9]* chunks compared in [0-9]* ms' "$WORK/transmog.log" \
  | awk '{ total += $(NF-1) } END { print total + 0 }')
printf '   %-44s %9s s  (%s%% of the transmog run; --skip-checksum leaves it out)\n' \
  "  of which the checksum verification" "$(calc "f'{$CHECKSUM_MS / 1000:.2f}'")" "$(calc "round(100 * $CHECKSUM_MS / 1000 / $TRANSMOG)")"
# The mapping check at validation (sample rows through the server's own ALTER) logs its row count and time.
MAPPING=$(grep -o 'column mapping checked on [0-9]* sample rows: identical ([0-9]* columns compared[^)]*, [0-9]* ms)' \
  "$WORK/transmog.log" | head -n 1)
MAPPING_MS=$(sed -n 's/.*, \([0-9]*\) ms)$/\1/p' <<<"$MAPPING")
MAPPING_ROWS=$(sed -n 's/.*checked on \([0-9]*\) sample rows.*/\1/p' <<<"$MAPPING")
printf '   %-44s %9s s  (%s sample rows; --skip-mapping-check leaves it out)\n' \
  "  of which the column mapping check" "$(calc "f'{${MAPPING_MS:-0} / 1000:.2f}'")" "${MAPPING_ROWS:-none found in the log}"
printf '   %-44s %9sx\n' "ratio transmog / plain (elapsed)" "$(calc "f'{$TRANSMOG / $PLAIN:.2f}'")"
printf '   %-44s %9s ms (%s attempt(s), final phase %s)\n' "cut-over write stall (last status line)" "$STALL" "$ATTEMPTS" "$PHASE"
printf '   %-44s %9s MiB (largest occupancy before a GC pause, garbage included; %s pauses)\n' \
  "JVM peak heap used, -Xmx$XMX (-Xlog:gc)" "$GC_PEAK" "$GC_COUNT"
printf '   %-44s %9s MiB (largest occupancy right after a GC pause; committed up to %s MiB)\n' \
  "JVM peak live heap after GC (-Xlog:gc)" "$GC_LIVE" "$GC_COMMITTED"
printf '   %-44s %9s MiB (VmHWM sampled every 0.1 s from /proc/<pid>/status)\n' "JVM peak resident set size" "$(calc "round($HWM / 1024)")"
if [ "$SUM_PLAIN" = "$SUM_TRANSMOG" ] && [ "$OLD_LEFT" = 0 ]; then
  info "check: CHECKSUM TABLE equal on both results ($SUM_PLAIN); no _sbtest1_* table left (--ok-to-drop-table)"
else
  info "CHECK FAILED: CHECKSUM TABLE plain=$SUM_PLAIN transmog=$SUM_TRANSMOG; leftover transmog tables: $OLD_LEFT"
  exit 1
fi
