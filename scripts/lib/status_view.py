#!/usr/bin/env python3
"""Renders `transmog migrate --status-json` lines as one readable line each.

Reads JSON lines on stdin, writes to stdout (flushed per line). Lines that are not
JSON pass through unchanged. With --changes-only, a status line that repeats the
previous one (same phase, rows copied, events applied, throttling) is skipped, so a
migration idling in AwaitingCutOver stays quiet. With --messages, the status message is
printed under the line whenever it changes (a SchemaMigration's status, see smig_status.py).
Standard library only.
"""
import argparse
import json
import sys
import time


def num(value):
    if value is None:
        return "-"
    if isinstance(value, float):
        value = round(value)
    return f"{value:,}"


def duration(seconds):
    if seconds is None:
        return "-"
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def render(status, elapsed, rate):
    phase = status.get("phase", "?")
    cut = status.get("cutOver") or {}
    parts = [
        f"{elapsed:6.1f}s",
        f"{phase:<15}",
        f"{status.get('percent', 0):5.1f}%",
        f"{num(status.get('rowsCopied')) + ' / ' + num(status.get('rowsEstimated')) + ' rows':>27}",
        f"{num(rate):>8} rows/s",
        f"eta {duration(status.get('etaSeconds')):>6}",
        f"events {num(status.get('eventsApplied')):>8}",
        f"lag {num(status.get('lagMillis')):>6} ms",
    ]
    line = "  ".join(parts)
    if status.get("throttled"):
        line += f"  THROTTLED: {status.get('throttleReason')}"
    if cut.get("attempts") or cut.get("stallMillis") is not None:
        line += f"  cut-over attempts {cut.get('attempts', 0)}"
        if cut.get("stallMillis") is not None:
            line += f", write stall {cut['stallMillis']} ms"
        if cut.get("lastError") and phase != "Succeeded":
            line += f" (last error: {cut['lastError']})"
    return line


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes-only", action="store_true", help="skip lines that repeat the previous status")
    parser.add_argument("--indent", default="  ", help="prefix of every rendered line")
    parser.add_argument("--messages", action="store_true", help="print the message whenever it changes")
    parser.add_argument("--stamp", metavar="FILE", help="also append '<epoch seconds> <raw line>' for every line to FILE")
    args = parser.parse_args()
    stamp = open(args.stamp, "a", encoding="utf-8") if args.stamp else None

    started = time.monotonic()
    last_key = None
    last_phase = None
    last_message = None
    for raw in sys.stdin:
        raw = raw.rstrip("\n")
        if stamp:
            stamp.write(f"{time.time():.6f} {raw}\n")
            stamp.flush()
        try:
            status = json.loads(raw)
            if not isinstance(status, dict):
                raise ValueError
        except ValueError:
            print(raw, flush=True)
            continue
        phase = status.get("phase")
        key = (phase, status.get("rowsCopied"), status.get("eventsApplied"), status.get("throttled"),
               (status.get("cutOver") or {}).get("attempts"), status.get("message") if args.messages else None)
        if args.changes_only and key == last_key:
            continue
        last_key = key
        rate = status.get("rowsPerSecond")
        print(args.indent + render(status, time.monotonic() - started, rate), flush=True)
        message = status.get("message")
        if args.messages:
            if message and message != last_message:
                print(f"{args.indent}{'':8}{message}", flush=True)
        elif phase != last_phase and message and phase in ("Validated", "Failed", "Cancelled", "Succeeded", "AwaitingCutOver"):
            print(f"{args.indent}{'':8}{message}", flush=True)
        last_phase = phase
        last_message = message


if __name__ == "__main__":
    try:
        main()
    except (BrokenPipeError, KeyboardInterrupt):
        sys.exit(0)
