"""`make bench`: Sigil's figures against reference implementations measured in the same run.

    python -m sigiltools.bench [--copies 1,10,100] [--runs 3] [--out out/bench]

Whole-process figures use the release `sigil` binary on recordings built here (the bundled one
replicated as new chain segments, `sigiltools.replicate`); before a replay's figure is printed
the run is checked: every event processed, every output stored once (SQLite rows, distinct keys
and JSONL lines agree). Micro-benchmarks (frame decode, output JSON, inference, hashing) come
from `Benchmarks/` (ordo-one/benchmark, allocation counts from its malloc interposer), as does
fine-tuning. The references: Python `json.loads` + eth-abi decoding the same frames, scikit-learn
and a numpy port of the fine-tuner on the same rows (`sigiltools.bench_train`), `openssl dgst
-sha256` on the same file, `/bin/true` for start-up. Prints one table and writes it as JSON (`bench.json`).
"""
import argparse
import gzip
import json
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

from sigiltools import bench_train

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SIGIL = os.path.join(ROOT, ".build", "release", "sigil")
BUNDLED = os.path.join(ROOT, "data", "replay", "sigil-scenarios.jsonl.gz")
MANIFEST = os.path.join(ROOT, "data", "replay", "manifest.json")
BUNDLED_EVENTS = 11_789


def wait_rss(proc):
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, usage.ru_maxrss


def recording(out, copies):
    """The bundled recording replicated `copies` times (built once, kept in `out`)."""
    if copies == 1:
        return BUNDLED
    path = os.path.join(out, f"replay-x{copies}.jsonl.gz")
    if not os.path.exists(path):
        partial = os.path.join(out, f"replay-x{copies}.partial.jsonl.gz")
        subprocess.run([sys.executable, "-m", "sigiltools.replicate", BUNDLED, "--copies", str(copies), "--out", partial],
                       check=True, stdout=subprocess.DEVNULL, env=dict(os.environ, PYTHONPATH=os.path.join(ROOT, "tools")))
        os.replace(partial, path)
    return path


def config(d, rec, plugins, feed=None):
    """A configuration in `d` replaying `rec` (or on `feed`, a flow-style feed entry), with the
    bundled default's plugins, models, risk gate and portfolio (or none), outputs in `d`."""
    if feed is None:
        chain = json.load(open(MANIFEST))["chainId"]
        feed = f"{{name: bench, kind: replay, path: {rec}, chain_id: {chain}}}"
    text = f"feeds:\n  - {feed}\n"
    if plugins:
        with open(os.path.join(ROOT, "examples", "signal-and-rug-guard.yaml")) as f:
            default = f.read()
        # model-signal and rug-pull-guard with their models, risk gate and portfolio, on this recording.
        body = default[default.index("# Where model hashes"):default.index("# Where every signal")]
        body = body.replace("../models/", os.path.join(ROOT, "models") + "/")
        text += body
    else:
        text += "strategies: []\n"
    text += f"outputs: {{jsonl: {d}/outputs.jsonl, sqlite: {d}/sigil.sqlite}}\n"
    path = os.path.join(d, "bench.yaml")
    with open(path, "w") as f:
        f.write(text)
    return path


def replay(rec, copies, plugins):
    """One `sigil run` of a recording into a fresh store: events/s, peak RSS, checked outputs."""
    with tempfile.TemporaryDirectory() as d:
        cfg = config(d, rec, plugins)
        t0 = time.perf_counter()
        proc = subprocess.Popen([SIGIL, "run", cfg, "--status-every", "0"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        out = proc.stdout.read()
        code, rss = wait_rss(proc)
        seconds = time.perf_counter() - t0
        if code != 0:
            sys.exit(f"bench: sigil run failed ({code}):\n{out}")
        m = re.search(r"summary: (\d+) frames, (\d+) events", out)
        events = int(m.group(2)) if m else -1
        if events != BUNDLED_EVENTS * copies:
            sys.exit(f"bench: {events} events processed, {BUNDLED_EVENTS * copies} expected:\n{out}")
        with sqlite3.connect(f"{d}/sigil.sqlite") as c:
            rows, keys = c.execute("SELECT COUNT(*), COUNT(DISTINCT key) FROM outputs").fetchone()
        lines = sum(1 for _ in open(f"{d}/outputs.jsonl")) if os.path.exists(f"{d}/outputs.jsonl") else 0
        if not (rows == keys == lines):
            sys.exit(f"bench: outputs stored {rows}, distinct keys {keys}, JSONL lines {lines}: not once each")
        return {"events": events, "seconds": seconds, "rss_kb": rss, "outputs": rows}


def median_replay(rec, copies, plugins, runs):
    results = [replay(rec, copies, plugins) for _ in range(runs)]
    secs = statistics.median(r["seconds"] for r in results)
    return {"events": results[0]["events"], "outputs": results[0]["outputs"], "seconds": secs,
            "events_per_s": results[0]["events"] / secs, "rss_mb": max(r["rss_kb"] for r in results) / 1024}


# Uniswap V2/V3 and ERC-20 events by their first topic: the data's ABI types.
EVENT_TYPES = {
    "Swap(address,uint256,uint256,uint256,uint256,address)": ["uint256"] * 4,
    "Sync(uint112,uint112)": ["uint112", "uint112"],
    "Mint(address,uint256,uint256)": ["uint256", "uint256"],
    "Burn(address,uint256,uint256,address)": ["uint256", "uint256"],
    "Swap(address,address,int256,int256,uint160,uint128,int24)": ["int256", "int256", "uint160", "uint128", "int24"],
    "Mint(address,address,int24,int24,uint128,uint256,uint256)": ["address", "uint128", "uint256", "uint256"],
    "Burn(address,int24,int24,uint128,uint256,uint256)": ["uint128", "uint256", "uint256"],
    "Transfer(address,address,uint256)": ["uint256"],
    "PairCreated(address,address,address,uint256)": ["address", "uint256"],
    "PoolCreated(address,address,uint24,int24,address)": ["int24", "address"],
}


def python_decode(frames):
    """The reference: json.loads and eth-abi decoding of every frame (frames/s, median of 3)."""
    from eth_abi import decode
    from eth_utils import keccak
    types = {"0x" + keccak(text=sig).hex(): t for sig, t in EVENT_TYPES.items()}
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        for line in frames:
            r = json.loads(line)["params"]["result"]
            topics = r.get("topics")
            if topics:
                t = types.get(topics[0])
                if t:
                    decode(t, bytes.fromhex(r["data"][2:]))
                    [decode(["address"], bytes.fromhex(x[2:])) for x in topics[1:] if x[2:26] == "0" * 24]
        times.append(time.perf_counter() - t0)
    return len(frames) / statistics.median(times)


def micro(out):
    """Runs Benchmarks/ (ordo-one/benchmark) and reads its JMH export: per item µs and mallocs."""
    bench_dir = os.path.join(ROOT, "Benchmarks")
    export = os.path.join(out, "jmh")
    os.makedirs(export, exist_ok=True)
    env = dict(os.environ, SIGIL_ROOT=ROOT, SIGIL_BENCH_HASH_FILE=os.path.join(out, "hash-1GiB.bin"),
               SIGIL_BENCH_TRAIN_FILE=os.path.join(out, "train-rows.f32"))
    subprocess.run(["swift", "package", "--package-path", bench_dir, "--allow-writing-to-directory", export, "benchmark",
                    "--format", "jmh", "--path", export, "--no-progress"], check=True, env=env, stdout=subprocess.DEVNULL)
    found = {}
    for name in os.listdir(export):
        if not name.endswith(".json"):
            continue
        for element in json.load(open(os.path.join(export, name))):
            key = element["benchmark"].split(".")[-1]
            m = re.match(r"(.+)_×(\d+)$", key)
            if not m:
                continue
            n = int(m.group(2))
            sec = element["secondaryMetrics"]
            wall = sec["Time (wall clock)"]["scorePercentiles"]["50.0"]  # µs per iteration
            mallocs = sec.get("Malloc (total)", {}).get("scorePercentiles", {}).get("50.0")
            found[m.group(1)] = {"us_per_item": wall / n, "mallocs_per_item": None if mallocs is None else mallocs / n}
    return found


def hash_file(out):
    path = os.path.join(out, "hash-1GiB.bin")
    if not os.path.exists(path) or os.path.getsize(path) != 1 << 30:
        with open(path + ".tmp", "wb") as f:
            block = os.urandom(1 << 20)
            for _ in range(1024):
                f.write(block)
        os.replace(path + ".tmp", path)
    with open(path, "rb") as f:  # into the page cache
        while f.read(1 << 24):
            pass
    return path


def openssl_seconds(path):
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        subprocess.run(["openssl", "dgst", "-sha256", path], check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def startup(runs=7):
    """exec → the "ready" line, and the threads the bot has then; /bin/true exec → exit."""
    ready, threads, true = [], 0, []
    with tempfile.TemporaryDirectory() as d:
        cfg = config(d, BUNDLED, plugins=True)
        for _ in range(runs):
            t0 = time.perf_counter()
            p = subprocess.Popen([SIGIL, "run", cfg, "--status-every", "0"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for line in p.stdout:
                if line.startswith("ready in"):
                    ready.append(time.perf_counter() - t0)
                    threads = max(threads, len(os.listdir(f"/proc/{p.pid}/task")))
                    break
            p.kill()
            p.wait()
            if os.path.exists(f"{d}/sigil.sqlite"):
                os.remove(f"{d}/sigil.sqlite")
        for _ in range(runs):
            t0 = time.perf_counter()
            subprocess.run(["/bin/true"], check=True)
            true.append(time.perf_counter() - t0)
    return statistics.median(ready) * 1000, threads, statistics.median(true) * 1000


LATENCY = re.compile(r"latency, frame arrived → outputs committed: p50 ([\d.]+) (µs|ms|s), p99 ([\d.]+) (µs|ms|s), max ([\d.]+) (µs|ms|s) \(n (\d+)\)")


def live_latency(blocks=150, swaps=4):
    """`sigil run` (the bundled default's plugins) on a live ethereum feed of the devnet while
    `sigiltools.traffic` mines `blocks` blocks of `swaps` Uniswap swaps each: the bot's own
    histogram of frame arrival → outputs committed (µs p50, p99, max, events timed)."""
    from sigiltools.client import Devnet
    from sigiltools.traffic import Traffic
    unit = {"µs": 1, "ms": 1_000, "s": 1_000_000}
    with Devnet(seed=5) as node, tempfile.TemporaryDirectory() as d:
        traffic = Traffic(node.http_url, "--blocks", str(blocks), "--swaps", str(swaps), "--interval", "0.05")
        first = traffic.ready["firstBlock"]
        cfg = config(d, None, True, feed=f"{{name: devnet, kind: ethereum, url: {node.ws_url}, from_block: {first}}}")
        bot = subprocess.Popen([SIGIL, "run", cfg, "--status-every", "0", "--stop-at-block", str(first + blocks - 1)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        done = traffic.finish()
        node.rpc.call("sigil_mine", 1)  # closes the last traffic block: the bot stops there
        try:
            out = bot.communicate(timeout=120)[0]
        except subprocess.TimeoutExpired:
            bot.kill()
            sys.exit(f"bench: the live run did not stop at block {first + blocks - 1}:\n{bot.communicate()[0]}")
        m = LATENCY.search(out)
        if bot.returncode != 0 or not m or int(m.group(7)) == 0:
            sys.exit(f"bench: live run failed ({bot.returncode}) or printed no latency:\n{out}")
        p50, p99, top = (float(m.group(i)) * unit[m.group(i + 1)] for i in (1, 3, 5))
        return {"p50_us": p50, "p99_us": p99, "max_us": top, "events": int(m.group(7)), "swaps": done["swaps"]}


def main(argv=None):
    p = argparse.ArgumentParser(prog="bench")
    p.add_argument("--copies", default="1,10,100", help="recording sizes, in copies of the bundled one (11,789 events each)")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--out", default=os.path.join(ROOT, "out", "bench"))
    a = p.parse_args(argv)
    if not os.access(SIGIL, os.X_OK):
        sys.exit(f"bench: no release binary at {SIGIL}: run `make release`")
    os.makedirs(a.out, exist_ok=True)
    copies = [int(c) for c in a.copies.split(",")]
    rows = []

    def row(figure, sigil, unit, reference=None, ratio=None, target=None, met=None):
        rows.append({"figure": figure, "sigil": sigil, "unit": unit, "reference": reference, "ratio": ratio, "target": target, "met": met})

    for k in copies:
        rec = recording(a.out, k)
        full = median_replay(rec, k, True, a.runs)
        row(f"replay, default plugins, {full['events']:,} events", round(full["events_per_s"]), "events/s",
            target=">= 300,000", met=full["events_per_s"] >= 300_000)
        row(f"peak RSS, default plugins, {full['events']:,} events", round(full["rss_mb"], 1), "MB", target="<= 100", met=full["rss_mb"] <= 100)
        bare = median_replay(rec, k, False, a.runs)
        row(f"replay, no plugins, {bare['events']:,} events", round(bare["events_per_s"]), "events/s",
            target=">= 1,000,000", met=bare["events_per_s"] >= 1_000_000)

    with gzip.open(BUNDLED, "rt") as f:
        frames = f.readlines()
    py = python_decode(frames)
    hashed = hash_file(a.out)
    train_rows = os.path.join(a.out, "train-rows.f32")
    bench_train.write_rows(train_rows, bench_train.base_model(os.path.join(ROOT, "models", "model-signal-logistic.safetensors")))
    m = micro(a.out)
    decode = m.get("frame-decode")
    if decode:
        fps = 1e6 / decode["us_per_item"]
        row("frame decode (bytes → MarketEvent)", round(fps), "frames/s", reference=f"{round(py):,} (json.loads + eth-abi)",
            ratio=round(fps / py, 1), target=">= 1,000,000", met=fps >= 1_000_000)
        row("allocations per frame decoded", round(decode["mallocs_per_item"], 1), "mallocs")
    if "output-json" in m:
        ops = 1e6 / m["output-json"]["us_per_item"]
        row("output JSON encoded (signal, alert)", round(ops), "outputs/s", target=">= 100,000 committed", met=None)
    for arch in ("logistic", "mlp"):
        if f"inference-{arch}" in m:
            us = m[f"inference-{arch}"]["us_per_item"]
            row(f"inference, {arch}, one row", round(us, 3), "µs", target="<= 2", met=us <= 2)
    for arch in ("logistic", "mlp"):
        if f"fine-tune-{arch}" not in m:
            continue
        sigil = 1e6 / m[f"fine-tune-{arch}"]["us_per_item"]
        reached = json.load(open(f"{train_rows}.{arch}.json"))
        ref = bench_train.references(os.path.join(ROOT, "models", f"model-signal-{arch}.safetensors"), train_rows, a.runs)
        sk, port = ref["sklearn"], ref["numpy"]
        row(f"fine-tuning, {arch}, {reached['train_rows']:,} rows × {reached['epochs']} epochs", round(sigil), "samples/s",
            reference=f"{round(sk['samples_per_s']):,} (scikit-learn MLPClassifier, Adam); {round(port['samples_per_s']):,} (numpy port)",
            ratio=round(sigil / sk["samples_per_s"], 1), target=">= 5× scikit-learn", met=sigil >= 5 * sk["samples_per_s"])
        row(f"validation log loss after fine-tuning, {arch}", round(reached["validation_loss"], 4), "",
            reference=f"{sk['loss']:.4f} (scikit-learn); {port['loss']:.4f} (numpy port)",
            target="<= scikit-learn + 0.005", met=reached["validation_loss"] <= sk["loss"] + 0.005)
    if "model-hash" in m:
        swift_s = m["model-hash"]["us_per_item"] / 1e6
        ossl = openssl_seconds(hashed)
        row("SHA-256 of 1 GiB from page cache", round(1024 / swift_s), "MiB/s", reference=f"{round(1024 / ossl):,} (openssl dgst)",
            ratio=round(ossl / swift_s, 3), target=">= 0.97× openssl", met=ossl / swift_s >= 0.97)
    live = live_latency()
    row(f"live frame → committed outputs, devnet loopback ({live['events']:,} events of {live['swaps']:,} swaps), p50",
        round(live["p50_us"]), "µs", target="<= 200", met=live["p50_us"] <= 200)
    row("live frame → committed outputs, p99 / max", f"{round(live['p99_us']):,} / {round(live['max_us']):,} µs", "",
        target="p99 <= 1,000", met=live["p99_us"] <= 1_000)
    ready, threads, true = startup()
    row("start-up, exec → ready (bundled default)", round(ready, 1), "ms", reference=f"{true:.1f} (/bin/true)",
        ratio=round(ready / true, 1), target="<= 25", met=ready <= 25)
    row("threads at ready", threads, "threads")

    machine = {"date": time.strftime("%Y-%m-%d"), "cpus": os.cpu_count(), "cpu": cpu_name()}
    with open(os.path.join(a.out, "bench.json"), "w") as f:
        json.dump({"machine": machine, "rows": rows}, f, indent=1)
    print(f"Sigil bench, {machine['date']}, {machine['cpu']}, {machine['cpus']} cores (sigiltools.bench; JSON: {a.out}/bench.json)")
    print("| figure | Sigil | reference | ratio | target | met |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        sigil = f"{r['sigil']:,} {r['unit']}".strip() if isinstance(r["sigil"], (int, float)) else str(r["sigil"])
        met = "" if r["met"] is None else ("yes" if r["met"] else "no")
        print(f"| {r['figure']} | {sigil} | {r['reference'] or ''} | {'' if r['ratio'] is None else r['ratio']} | {r['target'] or ''} | {met} |")


def cpu_name():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


if __name__ == "__main__":
    main()
