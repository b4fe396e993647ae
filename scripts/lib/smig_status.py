#!/usr/bin/env python3
"""Polls a SchemaMigration's status with kubectl and prints it as `transmog migrate --status-json` lines.

Every --interval seconds it runs `kubectl get smig NAME -n NAMESPACE -o json` and prints one JSON
object per line on stdout (flushed), in the CLI's shape, so that scripts/lib/status_view.py renders
the resource's status like the CLI's:
  {"phase", "rowsCopied", "rowsEstimated", "percent", "etaSeconds", "eventsApplied", "lagMillis",
   "replicaLagMillis", "throttled", "throttleReason", "rowsPerSecond", "message", "cutOver",
   "jobName", "paused" (spec.paused), "chunkSize" (spec.throttle.chunkSize), "observedGeneration"}
A failed kubectl call is reported on stderr and retried. Exits after printing a finished phase
(Succeeded, Failed, Cancelled, Validated). Standard library only.

  smig_status.py --kubectl PATH --kubeconfig FILE -n shop customers [--interval 1]
"""
import argparse
import json
import subprocess
import sys
import time

FINISHED = {"Succeeded", "Failed", "Cancelled", "Validated"}


def flatten(resource):
    spec = resource.get("spec") or {}
    status = resource.get("status") or {}
    progress = status.get("progress") or {}
    line = {"phase": status.get("phase") or "(no status yet)"}
    for key in ("rowsCopied", "rowsEstimated", "etaSeconds", "eventsApplied", "lagMillis", "replicaLagMillis",
                "throttled", "throttleReason", "rowsPerSecond"):
        line[key] = progress.get(key)
    line["percent"] = progress.get("percent") or 0.0
    line["message"] = status.get("message")
    line["cutOver"] = status.get("cutOver") or {}
    line["jobName"] = status.get("jobName")
    line["observedGeneration"] = status.get("observedGeneration")
    line["paused"] = bool(spec.get("paused"))
    line["chunkSize"] = (spec.get("throttle") or {}).get("chunkSize")
    return line


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kubectl", default="kubectl")
    parser.add_argument("--kubeconfig")
    parser.add_argument("-n", "--namespace", required=True)
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("name")
    args = parser.parse_args()
    command = [args.kubectl] + (["--kubeconfig", args.kubeconfig] if args.kubeconfig else []) + [
        "get", "smig", args.name, "-n", args.namespace, "-o", "json", "--request-timeout=5s"]
    while True:
        started = time.monotonic()
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode == 0:
            line = flatten(json.loads(result.stdout))
            print(json.dumps(line, ensure_ascii=False, separators=(",", ":")), flush=True)
            if line["phase"] in FINISHED:
                return
        else:
            print(f"smig_status: kubectl failed: {result.stderr.strip()}", file=sys.stderr, flush=True)
        time.sleep(max(0.0, args.interval - (time.monotonic() - started)))


if __name__ == "__main__":
    try:
        main()
    except (BrokenPipeError, KeyboardInterrupt):
        sys.exit(0)
