"""Whole-process measurements of the release `sigil` binary, for the README and closing notes.

    python -m sigiltools.measure hl-memory --trades 100000,1000000
    python -m sigiltools.measure restart --events 10000,1000000

`hl-memory` runs `sigil run` on a Hyperliquid-only configuration (the `momentum` strategy on
BTC and ETH trades) against the local Hyperliquid-protocol server sending batched trades, stops
it with SIGINT once it has stored the target number of trades, and reports the bot's peak RSS
(`wait4` of that process alone) and its stored trade count.

`restart` builds a long recording (the bundled one replicated as new chain segments), replays
it into a fresh store, then starts `sigil run` on a live configuration over the same store (the
feed of the same name, pointed at a closed port): the time from exec to its "ready" line is the
restart (restore from the newest snapshot plus the journal after it), reported with the number
of journal events it replayed and the journal's size.
"""
import argparse
import json
import math
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SIGIL = os.path.join(ROOT, ".build", "release", "sigil")
BUNDLED = os.path.join(ROOT, "data", "replay", "sigil-scenarios.jsonl.gz")
BUNDLED_EVENTS = 11_789


def binary() -> str:
    if not os.access(SIGIL, os.X_OK):
        sys.exit(f"no release binary at {SIGIL}: run `make release`")
    return SIGIL


def wait_rss(proc: subprocess.Popen) -> tuple[int, int]:
    """Waits for `proc`; its exit code and peak RSS in KiB."""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, usage.ru_maxrss


def hl_memory(targets: list[int]) -> list[dict]:
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "tools"))
    results = []
    for target in targets:
        server = subprocess.Popen([sys.executable, "-m", "sigiltools.hyperliquid", "--ws-port", "0", "--control-port", "0",
                                   "--rate", "100", "--batch", "100", "--history", "1000", "--snapshot", "5"],
                                  stdout=subprocess.PIPE, text=True, env=env)
        try:
            line = server.stdout.readline()
            m = re.search(r"ws=(\S+)", line)
            if not m:
                sys.exit(f"the Hyperliquid server did not start: {line!r}")
            with tempfile.TemporaryDirectory() as d:
                config = os.path.join(d, "hl.yaml")
                with open(config, "w") as f:
                    f.write(f"feeds:\n  - {{name: hl, kind: hyperliquid, url: \"{m.group(1)}\", coins: [BTC, ETH], books: true}}\n"
                            "strategies:\n  - {name: hl-momentum, plugin: momentum}\n"
                            f"outputs: {{jsonl: {d}/out.jsonl, sqlite: {d}/out.sqlite}}\n")
                bot = subprocess.Popen([binary(), "run", config, "--status-every", "1"], stdout=subprocess.PIPE, text=True)
                start = time.time()
                events = 0
                for out in bot.stdout:
                    m2 = re.match(r"\[\s*[\d.]+s\] events (\d+)", out)
                    if m2:
                        events = int(m2.group(1))
                        if events >= target:
                            bot.send_signal(signal.SIGINT)
                            break
                bot.stdout.read()
                code, rss = wait_rss(bot)
                seconds = time.time() - start
                with sqlite3.connect(f"{d}/out.sqlite") as c:
                    trades = c.execute("SELECT COUNT(*) FROM trades").fetchone()[0]
                    signals = c.execute("SELECT COUNT(*) FROM outputs WHERE type = 'signal'").fetchone()[0]
                results.append({"target": target, "trades_stored": trades, "signals": signals, "peak_rss_mib": round(rss / 1024, 1),
                                "seconds": round(seconds, 1), "exit": code})
                print(json.dumps(results[-1]), flush=True)
        finally:
            server.terminate()
            server.wait(10)
    return results


def restart(targets: list[int]) -> list[dict]:
    results = []
    for target in targets:
        copies = max(1, math.ceil(target / BUNDLED_EVENTS))
        with tempfile.TemporaryDirectory() as d:
            rec = os.path.join(d, "long.jsonl.gz")
            subprocess.run([sys.executable, "-m", "sigiltools.replicate", BUNDLED, "--copies", str(copies), "--out", rec],
                           check=True, env=dict(os.environ, PYTHONPATH=os.path.join(ROOT, "tools")))
            manifest = json.load(open(os.path.join(ROOT, "data", "replay", "manifest.json")))
            outputs = f"outputs: {{jsonl: {d}/out.jsonl, sqlite: {d}/out.sqlite}}\n"
            strategies = ("registry: {snapshot: %s/models/registry-snapshot.json}\n"
                          "models:\n  - {id: sigil/model-signal, file: %s/models/model-signal-logistic.safetensors}\n"
                          "strategies:\n  - {name: signals, plugin: model-signal, models: {signal: sigil/model-signal}}\n"
                          "  - {name: rug-guard, plugin: rug-pull-guard}\n") % (ROOT, ROOT)
            with open(os.path.join(d, "replay.yaml"), "w") as f:
                f.write(f"feeds:\n  - {{name: chain, kind: replay, path: {rec}, chain_id: {manifest['chainId']}}}\n" + strategies + outputs)
            with open(os.path.join(d, "live.yaml"), "w") as f:
                f.write("feeds:\n  - {name: chain, kind: ethereum, url: \"ws://127.0.0.1:9\", reconnect: {initial: 5, max: 5}}\n"
                        + strategies + outputs)
            t0 = time.time()
            replay = subprocess.run([binary(), "run", os.path.join(d, "replay.yaml")], capture_output=True, text=True)
            if replay.returncode != 0:
                sys.exit(f"the replay failed: {replay.stdout[-2000:]} {replay.stderr[-2000:]}")
            replay_seconds = time.time() - t0
            events = int(re.search(r"frames, (\d+) events", replay.stdout).group(1))
            with sqlite3.connect(f"{d}/out.sqlite") as c:
                journal = c.execute("SELECT COUNT(*) FROM events").fetchone()[0]
            t0 = time.time()
            live = subprocess.Popen([binary(), "run", os.path.join(d, "live.yaml")], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            ready = None
            for out in live.stdout:
                if out.startswith("ready in"):
                    ready = out.strip()
                    ready_seconds = time.time() - t0
                    live.send_signal(signal.SIGINT)
                    break
            live.stdout.read()
            live.wait(60)
            if ready is None:
                sys.exit("the restarted bot never became ready")
            m = re.search(r"rebuilt from (\d+) journaled events", ready)
            results.append({"events": events, "replay_seconds": round(replay_seconds, 1), "journal_rows": journal,
                            "db_mib": round(os.path.getsize(f"{d}/out.sqlite") / 2**20, 1),
                            "restart_ms": round(ready_seconds * 1000), "rebuilt_events": int(m.group(1)) if m else 0, "ready": ready})
            print(json.dumps(results[-1]), flush=True)
    return results


def main(argv=None):
    p = argparse.ArgumentParser(prog="measure")
    sub = p.add_subparsers(dest="cmd", required=True)
    h = sub.add_parser("hl-memory")
    h.add_argument("--trades", default="100000,1000000")
    r = sub.add_parser("restart")
    r.add_argument("--events", default="10000,1000000")
    a = p.parse_args(argv)
    if a.cmd == "hl-memory":
        hl_memory([int(x) for x in a.trades.split(",")])
    else:
        restart([int(x) for x in a.events.split(",")])


if __name__ == "__main__":
    main()
