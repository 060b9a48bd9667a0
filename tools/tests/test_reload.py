"""SIGHUP through the binary: a paced replay and a live run on the devnet read their
configuration again between two items. Reloadable parameters are taken (signals after the reload
follow the new threshold), anything else that changed is named as needing a restart and left as
it runs, an invalid file changes nothing, and each reload is an info alert in the outputs."""
import json
import re
import signal

from sigiltools.client import Devnet
from live_helpers import eventually, PATIENCE, ROOT, Bot, Traffic, wait_checkpoint, write_config
from test_dashboard import Run


def replay_config(tmp_path, threshold="0.55", window="50", veto="300"):
    out = tmp_path / "out"
    text = "\n".join([
        "feeds:", f"  - {{name: bundled, kind: replay, path: {ROOT}/data/replay/sigil-scenarios.jsonl.gz}}",
        f"registry: {{snapshot: {ROOT}/models/registry-snapshot.json}}",
        "models:", f"  - {{id: sigil/model-signal, file: {ROOT}/models/model-signal-logistic.safetensors}}",
        "strategies:",
        f"  - {{name: signals, plugin: model-signal, models: {{signal: sigil/model-signal}}, params: {{threshold: {threshold}, cooldown_blocks: 1}}}}",
        f"  - {{name: rug-guard, plugin: rug-pull-guard, params: {{window_blocks: {window}}}}}",
        f"risk: {{veto_severity: high, veto_blocks: {veto}}}",
        "outputs:", f"  jsonl: {out}/outputs.jsonl", f"  sqlite: {out}/sigil.sqlite",
    ]) + "\n"
    path = tmp_path / "reload.yaml"
    path.write_text(text)
    return path, out


def wait_line(run, pattern, after=0, timeout=PATIENCE):
    def found():
        return next((line for line in run.lines[after:] if re.search(pattern, line)), None)
    try:
        return eventually(found, f"a line matching {pattern!r}", timeout, alive=run.proc)
    except AssertionError as e:
        raise AssertionError(f"{e}: {''.join(run.lines)}")


def block_of(run):
    """The last status line's block."""
    blocks = [int(m.group(1)) for l in run.lines if (m := re.search(r"\] block (\d+)", l))]
    return blocks[-1] if blocks else 0


def test_sighup_reloads_a_paced_replay(tmp_path):
    config, out = replay_config(tmp_path)
    # 100 blocks a second: the two reloads below (each a file written and a signal sent) have
    # seventeen seconds of replay left to land in.
    run = Run([str(config), "--pace", "100"])
    try:
        eventually(lambda: block_of(run) >= 300, "the paced replay reaching block 300", alive=run.proc)
        # A reloadable threshold, a window that shapes the guard's state, and the risk gate.
        replay_config(tmp_path, threshold="0.6", window="40", veto="200")
        n = len(run.lines)
        run.proc.send_signal(signal.SIGHUP)
        applied = wait_line(run, r"^reload of ", n)
        assert applied.strip() == f"reload of {config}: applied signals.threshold 0.55 → 0.6", applied
        restart = wait_line(run, r"needs a restart", n)
        assert restart.strip().endswith("(left as it runs): risk, strategies.rug-guard.params.window_blocks"), restart

        # An out-of-range value: refused with the file, line and column, nothing applied.
        replay_config(tmp_path, threshold="7")
        n = len(run.lines)
        run.proc.send_signal(signal.SIGHUP)
        refused = wait_line(run, r"^reload of ", n)
        assert re.match(rf"reload of {re.escape(str(config))} refused, nothing changed: {re.escape(str(config))}:\d+:\d+: "
                        r"model-signal parameter threshold is 7\.0; it must be between 0\.5 and 1\.0", refused), refused
        assert run.proc.wait(timeout=PATIENCE) == 0, run.proc.stderr.read()
    finally:
        if run.proc.poll() is None:
            run.proc.kill()
    assert "summary: 13820 frames, 11789 events" in "".join(run.lines)

    outputs = [json.loads(l) for l in open(out / "outputs.jsonl")]
    reloads = [o for o in outputs if o["type"] == "alert" and o["alert"]["alertId"].startswith("SIGIL-CONFIG-RELOAD")]
    assert [r["alert"]["alertId"] for r in reloads] == ["SIGIL-CONFIG-RELOAD", "SIGIL-CONFIG-RELOAD-REFUSED"], reloads
    first = reloads[0]
    assert first["alert"]["severity"] == "info" and first["strategy"] == "config" and first["plugin"] == "runtime"
    assert first["alert"]["metadata"] == {"file": str(config), "applied": "signals.threshold 0.55 → 0.6",
                                          "needs_restart": "risk, strategies.rug-guard.params.window_blocks"}
    assert "threshold is 7.0" in reloads[1]["alert"]["metadata"]["error"]
    # Signals follow the threshold in force when they were made: 0.55 up to the reload's block, 0.6 after it.
    at = first["event"]["blockNumber"]
    before = [float(o["signal"]["metadata"]["probabilityUp"]) for o in outputs if o["type"] == "signal" and o["event"]["blockNumber"] < at]
    after = [float(o["signal"]["metadata"]["probabilityUp"]) for o in outputs if o["type"] == "signal" and o["event"]["blockNumber"] > at]
    assert before and after
    assert all(p >= 0.55 or p <= 0.45 for p in before)
    assert any(0.55 <= p < 0.6 or 0.4 < p <= 0.45 for p in before), "the old threshold made signals the new one would not"
    assert all(p >= 0.6 or p <= 0.4 for p in after), [p for p in after if 0.4 < p < 0.6]


def test_sighup_reloads_a_live_run(tmp_path):
    with Devnet(seed=61) as node:
        Traffic(node.http_url, "--blocks", "4", "--swaps", "4").finish()
        out = str(tmp_path / "out")
        config = write_config(tmp_path / "live.yaml", node.ws_url, out)
        bot = Bot(config)
        try:
            bot.wait_ready()
            wait_checkpoint(out, int(node.rpc.call("eth_blockNumber"), 16), bot)
            text = open(config).read()
            open(config, "w").write(text.replace("threshold: 0.52", "threshold: 0.7").replace("from_block: 0", "from_block: 1"))
            bot.proc.send_signal(signal.SIGHUP)
            eventually(lambda: any(l.startswith("reload of") for _, l in bot.out), "the reload's report", alive=bot.proc)
            lines = [l for _, l in bot.out if l.startswith("reload of") or "needs a restart" in l]
            assert lines == [f"reload of {config}: applied signals.threshold 0.52 → 0.7",
                             "  differs from the running configuration and needs a restart (left as it runs): feeds"], bot.text()
            # Still following the chain after the reload.
            Traffic(node.http_url, "--blocks", "2", "--swaps", "2", "--seed", "5").finish()
            last = int(node.rpc.call("eth_blockNumber"), 16)
            node.rpc.call("sigil_mine", 1)  # a block closes when the next head arrives
            wait_checkpoint(out, last, bot)
            assert bot.proc.poll() is None
        finally:
            assert bot.stop() == 0, bot.text()
        reloads = [json.loads(l) for l in open(f"{out}/outputs.jsonl") if "SIGIL-CONFIG-RELOAD" in l]
        assert len(reloads) == 1 and reloads[0]["alert"]["metadata"]["applied"] == "signals.threshold 0.52 → 0.7", reloads
