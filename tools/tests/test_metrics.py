"""Prometheus metrics of `sigil run`, scraped over HTTP and read with prometheus_client's
text-format parser: every family with its labels and the values the run's own outputs, journal
and summary give. A replay (with malformed frames mixed in, `--keep-serving` to scrape it after
the end), and a live run on the devnet with a cut connection."""
import gzip
import json
import os
import re
import signal
import sqlite3
import subprocess
import time
import urllib.request
from collections import Counter

from prometheus_client.parser import text_string_to_metric_families

from sigiltools.client import Devnet
from live_helpers import PATIENCE, ROOT, Bot, Traffic, db, eventually, sigil_binary, wait_checkpoint, write_config

BUNDLED = os.path.join(ROOT, "data", "replay", "sigil-scenarios.jsonl.gz")

JUNK = [
    "{not json",
    '{"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":"0xdead","result":{}}}',
    '{"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":"0x1","result":{"number":7}}}',
    "[1,2,3]",
]


def scrape(url: str) -> dict:
    """Family name -> (type, [(sample name, labels, value)])."""
    with urllib.request.urlopen(url, timeout=PATIENCE) as r:
        assert r.status == 200 and r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = r.read().decode()
    return {f.name: (f.type, [(s.name, s.labels, s.value) for s in f.samples]) for f in text_string_to_metric_families(text)}


def samples(families, name, suffix=""):
    return {tuple(sorted(labels.items())): v for n, labels, v in families[name][1] if n == name + suffix}


def check_histogram(families, name, labels=()):
    kind, rows = families[name]
    assert kind == "histogram", (name, kind)
    buckets = [(float(l["le"]), v) for n, l, v in rows if n == name + "_bucket" and all(l.get(k) == x for k, x in labels)]
    counts = [v for _, v in sorted(buckets)]
    assert counts == sorted(counts), f"{name}: buckets not cumulative {buckets}"
    count = [v for n, l, v in rows if n == name + "_count" and all(l.get(k) == x for k, x in labels)]
    assert count and counts[-1] == count[0]
    return count[0]


def test_replay_metrics_match_the_runs_outputs(tmp_path):
    # The bundled recording's first 4,000 frames with malformed ones between them.
    rec = tmp_path / "rec.jsonl"
    with gzip.open(BUNDLED, "rt") as src, open(rec, "w") as dst:
        for i, line in enumerate(src):
            if i == 4000:
                break
            dst.write(line)
            if i % 500 == 250:
                dst.write(JUNK[(i // 500) % len(JUNK)] + "\n")
    manifest = json.load(open(os.path.join(ROOT, "data", "replay", "manifest.json")))
    json.dump({"chainId": manifest["chainId"]}, open(tmp_path / "manifest.json", "w"))
    out = tmp_path / "out"
    config = tmp_path / "replay.yaml"
    config.write_text("\n".join([
        "feeds:", f"  - {{name: bundled, kind: replay, path: {rec}}}",
        f"registry: {{snapshot: {ROOT}/models/registry-snapshot.json}}",
        "models:", f"  - {{id: sigil/model-signal, file: {ROOT}/models/model-signal-logistic.safetensors}}",
        "strategies:",
        "  - {name: signals, plugin: model-signal, models: {signal: sigil/model-signal}, params: {threshold: 0.52, cooldown_blocks: 1}}",
        "  - {name: rug-guard, plugin: rug-pull-guard}",
        "portfolio: {cash_token: \"0x63f58053c9499e1104a6f6c6d2581d6d83067eeb\", cash_decimals: 6, cash: 100000, trade_size: 1000}",
        "outputs:", f"  jsonl: {out}/outputs.jsonl", f"  sqlite: {out}/sigil.sqlite",
        "metrics: {host: 127.0.0.1, port: 0}",
    ]) + "\n")
    proc = subprocess.Popen([sigil_binary(), "run", str(config), "--keep-serving"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = []
        deadline = time.monotonic() + PATIENCE
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.startswith("replay done"):
                break
        text = "".join(lines)
        assert "replay done" in text, text + proc.stderr.read()
        url = re.search(r"metrics on (http://\S+)", text).group(1)
        families = scrape(url)
    finally:
        proc.send_signal(signal.SIGINT)
        rest, err = proc.communicate(timeout=PATIENCE)
    assert proc.returncode == 0, err
    summary = rest

    # Events: what the journal holds; rejections: the junk, each under its reason.
    with sqlite3.connect(out / "sigil.sqlite") as c:
        journaled = c.execute("SELECT count(*) FROM events").fetchone()[0]
    assert families["sigil_events"][0] == "counter"
    assert samples(families, "sigil_events", "_total") == {(("feed", "bundled"),): journaled}
    rejected = {dict(k)["reason"]: v for k, v in samples(families, "sigil_rejected", "_total").items()}
    assert sum(rejected.values()) == 8 and rejected["malformed_json"] == 2 and set(rejected) >= {"unknown_subscription", "not_a_notification"}, rejected
    assert f"{8} rejected frames" in summary, summary

    # Signals, vetoes, alerts, fills: what the outputs file holds, by strategy, plugin and side or severity.
    outputs = [json.loads(l) for l in open(out / "outputs.jsonl")]
    want = Counter()
    for o in outputs:
        if o["type"] == "signal":
            name = "sigil_signals_vetoed" if o["signal"].get("vetoed") else "sigil_signals"
            want[(name, o["strategy"], o["plugin"], "side", o["signal"]["side"])] += 1
        elif o["type"] == "alert":
            want[("sigil_alerts", o["strategy"], o["plugin"], "severity", o["alert"]["severity"])] += 1
        elif o["type"] == "fill":
            want[("sigil_fills", o["strategy"], o["plugin"], "side", o["fill"]["side"])] += 1
    got = Counter()
    for name in ("sigil_signals", "sigil_signals_vetoed", "sigil_alerts", "sigil_fills"):
        if name not in families:
            continue
        assert families[name][0] == "counter"
        for labels, v in samples(families, name, "_total").items():
            d = dict(labels)
            detail = "severity" if "severity" in d else "side"
            got[(name, d["strategy"], d["plugin"], detail, d[detail])] = v
    assert got == want and want, (got, want)
    assert any(k[0] == "sigil_alerts" for k in want) and any(k[0] == "sigil_signals" for k in want)

    # The model that ran, its version and hash as the registry snapshot records them.
    snapshot_hash = "0x723025ab7d052343a3846125493af06ba1c650bcced0358ee380bb4c5ee74b6d"
    assert samples(families, "sigil_model_info") == {(("model", "sigil/model-signal"), ("sha256", snapshot_hash), ("version", "1")): 1.0}
    assert families["sigil_model_info"][0] == "gauge"
    # Latencies: inference of every prediction, each commit.
    assert check_histogram(families, "sigil_inference_seconds", [("model", "sigil/model-signal")]) > 100
    assert check_histogram(families, "sigil_commit_seconds") >= 1
    # The paper portfolio's equity, as the summary prints it.
    equity = float(re.search(r"equity ([0-9.]+)", summary).group(1))
    assert abs(samples(families, "sigil_paper_equity")[()] - equity) < 0.01, summary
    assert samples(families, "sigil_last_block") == {(): float(re.search(r"block (\d+)\s+frames", text.splitlines()[-2]).group(1))}


def test_live_metrics_follow_the_feed(tmp_path):
    with Devnet(seed=53) as node:
        traffic = Traffic(node.http_url, "--blocks", "6", "--swaps", "4")
        traffic.finish()
        out = str(tmp_path / "out")
        config = write_config(tmp_path / "live.yaml", node.ws_url, out)
        with open(config, "a") as f:
            f.write("metrics: {host: 127.0.0.1, port: 0}\n")
        bot = Bot(config)
        try:
            bot.wait_ready()
            url = next(re.search(r"metrics on (http://\S+)", l).group(1) for _, l in bot.out if "metrics on" in l)
            last = int(node.rpc.call("eth_blockNumber"), 16)
            wait_checkpoint(out, last, bot)
            node.rpc.call("sigil_dropWebsockets")
            Traffic(node.http_url, "--blocks", "4", "--swaps", "4", "--seed", "3").finish()
            last = int(node.rpc.call("eth_blockNumber"), 16)
            node.rpc.call("sigil_mine", 1)
            wait_checkpoint(out, last, bot)
            feed = (("feed", "devnet"),)
            head = int(node.rpc.call("eth_blockNumber"), 16)

            def caught_up():  # the metrics follow the run once a second: wait until they show it
                families = scrape(url)
                with db(out) as c:
                    journaled = c.execute("SELECT count(*) FROM events WHERE retracted = 0").fetchone()[0]
                return (samples(families, "sigil_events", "_total").get(feed) == journaled
                        and samples(families, "sigil_feed_head_block").get(feed) == head
                        and samples(families, "sigil_feed_closed_block").get(feed, -1) >= last and families)
            families = eventually(caught_up, "the metrics did not catch up with the run")
            # `sigil status` reads the same run through the HTTP API.
            base = url.rsplit("/metrics", 1)[0]
            st = subprocess.run([sigil_binary(), "status", "--url", base, "--json"], capture_output=True, text=True, timeout=PATIENCE)
            assert st.returncode == 0, st
            status = json.loads(st.stdout)
            human = subprocess.run([sigil_binary(), "status", "--url", base], capture_output=True, text=True, timeout=PATIENCE)
            assert human.returncode == 0 and f"bot at {base}: status from " in human.stdout, human
            assert re.search(r"feed devnet: live, head \d+, closed \d+ \(lag [01]\), reconnects [1-9]", human.stdout), human.stdout
            assert "model sigil/model-signal: version 1, sha256 0x723025ab" in human.stdout and "queue: " in human.stdout, human.stdout
        finally:
            assert bot.stop() == 0, bot.text()
        with db(out) as c:
            journaled = c.execute("SELECT count(*) FROM events WHERE retracted = 0").fetchone()[0]
        assert samples(families, "sigil_events", "_total") == {feed: journaled}
        assert samples(families, "sigil_feed_reconnects", "_total")[feed] >= 1
        assert families["sigil_feed_reconnects"][0] == "counter"
        assert samples(families, "sigil_feed_head_block")[feed] == head
        assert samples(families, "sigil_feed_closed_block")[feed] >= last
        assert samples(families, "sigil_feed_head_lag_blocks")[feed] <= 1
        states = {dict(k)["state"]: v for k, v in samples(families, "sigil_feed_state").items()}
        assert states == {"connecting": 0, "backfilling": 0, "live": 1, "stalled": 0}, states
        assert samples(families, "sigil_queue_capacity_items") == {(): 1024.0}
        assert () in samples(families, "sigil_queue_waiting_items")
        assert "sigil_feed_slowdowns" in families and "sigil_rejected" in families
        assert status["events"] == journaled and status["feeds"][0]["name"] == "devnet" and status["feeds"][0]["state"] == "live"
        assert status["feeds"][0]["reconnects"] == samples(families, "sigil_feed_reconnects", "_total")[feed]
        assert status["models"] == [{"id": "sigil/model-signal", "version": 1,
                                     "sha256": "0x723025ab7d052343a3846125493af06ba1c650bcced0358ee380bb4c5ee74b6d"}]
        assert status["queueCapacity"] == 1024 and status["takenAt"] >= status["startedAt"]
        # The bot gone, `sigil status` says so (exit 2); a configuration without a fixed port is refused.
        gone = subprocess.run([sigil_binary(), "status", "--url", base], capture_output=True, text=True, timeout=PATIENCE)
        assert gone.returncode == 2 and f"no bot answers at {base}" in gone.stderr, gone
        unfixed = subprocess.run([sigil_binary(), "status", config], capture_output=True, text=True, timeout=PATIENCE)
        assert unfixed.returncode == 2 and "no 'metrics:' with a fixed port" in unfixed.stderr, unfixed
        # Events that came as notifications (backfilled ones have no frame to time).
        assert 0 < check_histogram(families, "sigil_frame_to_commit_seconds") <= journaled
        assert check_histogram(families, "sigil_commit_seconds") >= 1


def test_a_metrics_address_that_cannot_be_served_refuses_the_start(tmp_path):
    import socket
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    try:
        for host, port_, why in (("127.0.0.1", port, "Address already in use"), ("10.255.255.1", 0, "Cannot assign requested address")):
            config = tmp_path / "m.yaml"
            config.write_text("\n".join([
                "feeds:", f"  - {{name: bundled, kind: replay, path: {BUNDLED}}}",
                "strategies: []", f"outputs: {{jsonl: {tmp_path}/o.jsonl, sqlite: {tmp_path}/o.sqlite}}",
                f"metrics: {{host: {host}, port: {port_}}}",
            ]) + "\n")
            r = subprocess.run([sigil_binary(), "run", str(config)], capture_output=True, text=True, timeout=PATIENCE)
            assert r.returncode == 2 and f"cannot serve metrics on {host}:{port_}" in r.stderr and why in r.stderr, r
            assert "ready in" not in r.stdout and not os.path.exists(tmp_path / "o.jsonl"), r.stdout
    finally:
        taken.close()


def test_json_log_format(tmp_path):
    """`--log-format json`: every line on stdout and stderr one JSON object (ts, level, label,
    message), the status and summary lines as messages, a library's warning with its level."""
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    closed = s.getsockname()[1]
    s.close()
    config = tmp_path / "j.yaml"
    config.write_text("\n".join([
        "feeds:", f"  - {{name: bundled, kind: replay, path: {BUNDLED}}}",
        "strategies:", "  - {name: rug-guard, plugin: rug-pull-guard}",
        f"outputs: {{jsonl: {tmp_path}/o.jsonl, sqlite: {tmp_path}/o.sqlite}}",
        "notifications:", f"  - {{name: ops, kind: webhook, url: \"http://127.0.0.1:{closed}/h\"}}",
    ]) + "\n")
    r = subprocess.run([sigil_binary(), "run", str(config), "--log-format", "json"], capture_output=True, text=True, timeout=PATIENCE)
    assert r.returncode == 0, r
    out = [json.loads(l) for l in r.stdout.splitlines()]
    err = [json.loads(l) for l in r.stderr.splitlines()]
    for o in out + err:
        assert set(o) >= {"ts", "level", "label", "message"} and re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", o["ts"]), o
    messages = [o["message"] for o in out]
    assert any(m.startswith("summary: 13820 frames, 11789 events") for m in messages), messages
    assert any(m.startswith("  notifications ops (webhook http://127.0.0.1:") and "3 waiting for the next run" in m for m in messages), messages
    warned = [o for o in err if o["level"] == "warning" and "notifications ops" in o["message"]]
    assert warned and "retrying with backoff" in warned[0]["message"], err
