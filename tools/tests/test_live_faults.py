"""Fault tests of `sigil run` on a live feed: the real binary, the real devnet over a real
websocket, real Uniswap traffic. Each compares the events the bot processed (its journal, minus
what reorgs retracted) with the node's eth_getLogs for the same block range."""
import collections
import json
import os
import random
import re

import pytest

from sigiltools.client import Devnet
from live_helpers import (PATIENCE, Bot, Traffic, checkpoint, db, eventually, feed_number, ground_truth, processed, wait_checkpoint,
                          write_config)


@pytest.fixture
def node():
    with Devnet(seed=21) as d:
        yield d


def settle(node, bot: Bot, out_dir: str) -> int:
    """Mines one block so that the last traffic block closes; waits for the bot's checkpoint to
    reach it; returns that block."""
    last = int(node.rpc.call("eth_blockNumber"), 16)
    node.rpc.call("sigil_mine", 1)
    wait_checkpoint(out_dir, last, bot)
    return last


def head(node) -> int:
    return int(node.rpc.call("eth_blockNumber"), 16)


def wait_progress(out_dir: str, bot: Bot, blocks: int) -> int:
    """Waits until the bot's checkpoint is `blocks` past where it is now (the traffic keeps
    mining): a fault injected after it always lands on a bot that is following a moving chain,
    however fast the machine runs either of them. Returns the checkpoint reached."""
    target = max(checkpoint(out_dir), 0) + blocks
    wait_checkpoint(out_dir, target, bot)
    return checkpoint(out_dir)


def engine_events(bot: Bot) -> int:
    """How many events the run handed to its strategies (the summary line)."""
    line = next(l for _, l in reversed(bot.out) if l.startswith("summary:"))
    return int(line.split()[1])


def assert_exactly_once(node, out_dir: str, last: int):
    got = processed(out_dir)
    truth = ground_truth(node.rpc, 0, last)
    dupes = [k for k, n in collections.Counter(got).items() if n > 1]
    assert not dupes, f"duplicated events: {dupes[:5]}"
    missing = set(truth) - set(got)
    extra = set(got) - set(truth)
    assert not missing, f"{len(missing)} events lost, e.g. {sorted(missing)[:3]}"
    assert not extra, f"{len(extra)} events processed that the node does not have, e.g. {sorted(extra)[:3]}"
    return len(truth)


def test_twenty_connection_cuts_lose_and_duplicate_nothing(node, tmp_path):
    out = str(tmp_path / "out")
    bot = Bot(write_config(tmp_path / "live.yaml", node.ws_url, out))
    try:
        bot.wait_ready()
        # Mining until stopped: each cut waits for the bot to follow three more blocks, so every
        # cut lands mid-traffic on a live connection, then at least 180 blocks in all (some 6,000 events).
        traffic = Traffic(node.http_url, "--blocks", "0", "--swaps", "8", "--hops", "3")
        cuts = 0
        for _ in range(20):
            wait_progress(out, bot, 3)
            assert traffic.running(), "the traffic stopped before the cuts"
            assert node.rpc.call("sigil_dropWebsockets") >= 0
            cuts += 1
        eventually(lambda: head(node) >= 180, "the traffic did not reach block 180")
        traffic.stop()
        last = settle(node, bot, out)
        assert bot.stop() == 0, bot.text()
        n = assert_exactly_once(node, out, last)
        assert n >= 5_000, f"only {n} events in the run"
        assert engine_events(bot) == n, "the engine was handed an event twice (or missed one)"
        line = bot.final_feed_line()
        print(f"\ncuts: {n} events in blocks 0..{last}, {cuts} cuts; {line.strip()}")
        assert feed_number(line, "reconnects") >= 20, line
        assert feed_number(line, "rejected") == 0, line
    finally:
        bot.stop()


def test_half_open_connection_is_detected_within_the_silence_timeout(node, tmp_path):
    out = str(tmp_path / "out")
    silence, request = 1.5, 1.0
    bot = Bot(write_config(tmp_path / "live.yaml", node.ws_url, out, silence_timeout=silence, request_timeout=request))
    try:
        bot.wait_ready()
        traffic = Traffic(node.http_url, "--blocks", "0", "--swaps", "4", "--interval", "0.2")
        wait_progress(out, bot, 5)
        assert node.rpc.call("sigil_pauseWebsocket") == 1
        # The paused socket answers nothing: the watchdog's probe times out and the feed
        # reconnects (the traffic goes on meanwhile, so the new connection has blocks to backfill).
        detected = eventually(lambda: [l for _, l in bot.err if "the connection is dead" in l], "the half-open socket was never detected")
        wait_progress(out, bot, 3)
        traffic.stop()
        last = settle(node, bot, out)
        assert bot.stop() == 0, bot.text()
        # Durations in the bot's own clock (how long the socket had been silent at the probe,
        # and when the probe's timeout ended it): never before the silence timeout and the
        # probe's own timeout; how much later depends on the machine, so it is printed, not bounded.
        figures = re.search(r"silent_for=([\d.]+) seconds.*dead_after=([\d.]+) seconds|dead_after=([\d.]+) seconds.*silent_for=([\d.]+) seconds", detected[0])
        assert figures, detected[0]
        quiet, dead = (float(figures.group(1)), float(figures.group(2))) if figures.group(1) else (float(figures.group(4)), float(figures.group(3)))
        print(f"\nhalf-open: probed after {quiet:.2f}s of silence, declared dead {dead:.2f}s after the last frame "
              f"(silence timeout {silence}s, probe timeout {request}s)")
        assert quiet >= silence and dead >= silence + request, (quiet, dead)
        assert feed_number(bot.final_feed_line(), "reconnects") >= 1
        assert_exactly_once(node, out, last)
    finally:
        node.rpc.call("sigil_resumeWebsocket")
        bot.stop()


def record_frames(node) -> tuple:
    """A recorder subscribed like the bot, with the logs from before it subscribed written first
    as notification frames of its logs subscription (what the bot gets by backfilling)."""
    from sigiltools.scenarios import TOPICS, Recorder
    rec = Recorder(node.ws_url)
    rec.start()
    head = int(node.rpc.call("eth_blockNumber"), 16)
    history = node.rpc.call("eth_getLogs", {"fromBlock": "0x0", "toBlock": hex(head), "topics": [list(TOPICS.values())]})
    return rec, history


def write_recording(rec, history, path):
    """The recorder's frames, the earlier logs first, as a replay recording."""
    with rec.cond:
        frames = list(rec.frames)
    sub = next(json.loads(f)["params"]["subscription"] for f in frames if "parentHash" not in f)
    with open(path, "w") as f:
        for log in history:
            f.write(json.dumps({"jsonrpc": "2.0", "method": "eth_subscription", "params": {"subscription": sub, "result": log}}) + "\n")
        for frame in frames:
            f.write(frame + "\n")
    return len(history) + len(frames)


def test_reorgs_of_depth_one_to_three_retract_and_replace(node, tmp_path):
    out = str(tmp_path / "out")
    rec, history = record_frames(node)
    bot = Bot(write_config(tmp_path / "live.yaml", node.ws_url, out))
    try:
        bot.wait_ready()
        Traffic(node.http_url, "--blocks", "12", "--swaps", "6", "--hops", "2").finish()
        dropped_blocks = []
        for depth in (1, 2, 3):
            head = int(node.rpc.call("eth_blockNumber"), 16)
            wait_checkpoint(out, head - 1, bot)
            # the reorg re-mines the dropped blocks' transactions minus the last one
            r = node.rpc.call("sigil_reorg", depth, {"drop": 1, "keepBlocks": True})
            dropped_blocks += r["dropped"]
            # more traffic on the new branch, so the next reorg has events to move
            Traffic(node.http_url, "--blocks", "4", "--swaps", "4", "--seed", str(depth)).finish()
        last = settle(node, bot, out)
        assert bot.stop() == 0, bot.text()
        assert_exactly_once(node, out, last)
        with db(out) as c:
            removed = c.execute(f"SELECT COUNT(*), SUM(retracted) FROM events WHERE block_hash IN ({','.join('?' * len(dropped_blocks))})",
                                dropped_blocks).fetchone()
            retracted_outputs = c.execute("SELECT COUNT(*) FROM outputs WHERE retracted = 1").fetchone()[0]
            retraction_rows = c.execute("SELECT COUNT(*) FROM retractions").fetchone()[0]
        print(f"\nreorgs: {removed[0]} events of {len(dropped_blocks)} dropped blocks retracted, {retraction_rows} outputs retracted")
        assert removed[0] > 0, "the reorged blocks carried no events the bot had processed"
        assert removed[0] == removed[1], f"{removed[0] - removed[1]} events of dropped blocks were not retracted"
        assert retracted_outputs == retraction_rows
        assert feed_number(bot.final_feed_line(), "rewinds") >= 3
        lines = [json.loads(l) for l in open(os.path.join(out, "outputs.jsonl"))]
        assert sum(1 for l in lines if l["type"] == "retraction") == retraction_rows

        # The same frames, recorded, through replay: the same outputs, retracted the same way.
        rec.wait_for_head(last + 1)
        frames = write_recording(rec, history, tmp_path / "recorded.jsonl")
        chain_id = int(node.rpc.call("eth_chainId"), 16)
        replay_out = str(tmp_path / "replay")
        config = open(tmp_path / "live.yaml").read().split("registry:")[1].replace(out, replay_out)
        with open(tmp_path / "replay.yaml", "w") as f:
            f.write(f"feeds:\n  - name: recorded\n    path: {tmp_path}/recorded.jsonl\n    chain_id: {chain_id}\nregistry:{config}")
        replay = Bot(str(tmp_path / "replay.yaml"))
        assert replay.wait(PATIENCE) == 0, replay.text()
        live_rows, replay_rows = outputs_of(out), outputs_of(replay_out)
        print(f"replay of {frames} recorded frames: {len(replay_rows)} outputs, "
              f"{sum(r[2] for r in replay_rows)} retracted (live: {len(live_rows)}, {sum(r[2] for r in live_rows)})")
        assert [(k, r) for k, _, r in replay_rows] == [(k, r) for k, _, r in live_rows]
        with db(replay_out) as c:
            assert c.execute("SELECT COUNT(*) FROM retractions").fetchone()[0] == retraction_rows
    finally:
        bot.stop()


def outputs_of(out_dir):
    with db(out_dir) as c:
        rows = c.execute("SELECT key, json, retracted FROM outputs ORDER BY key").fetchall()
    return rows


def test_kill_minus_nine_at_three_moments_then_restart_equals_an_uninterrupted_run(node, tmp_path):
    rng = random.Random(5)
    out = str(tmp_path / "killed")
    cfg = write_config(tmp_path / "killed.yaml", node.ws_url, out)
    bot = Bot(cfg)
    kills = []
    try:
        bot.wait_ready()
        traffic = Traffic(node.http_url, "--blocks", "0", "--swaps", "6", "--hops", "3")
        for _ in range(3):
            # killed a random number of blocks into following the traffic, mid-block or not
            wait_progress(out, bot, rng.randint(2, 8))
            bot.kill9()
            kills.append(checkpoint(out))
            bot = Bot(cfg)
            bot.wait_ready()
        wait_progress(out, bot, 3)
        traffic.stop()
        last = settle(node, bot, out)
        assert bot.stop() == 0, bot.text()
    finally:
        bot.stop()
    assert_exactly_once(node, out, last)

    ref_out = str(tmp_path / "reference")
    ref = Bot(write_config(tmp_path / "reference.yaml", node.ws_url, ref_out), "--stop-at-block", str(last))
    assert ref.wait(PATIENCE) == 0, ref.text()
    assert_exactly_once(node, ref_out, last)

    got, want = outputs_of(out), outputs_of(ref_out)
    assert len(want) > 0, "the reference run produced no outputs to compare"
    assert got == want, f"outputs differ after kills at checkpoints {kills}: {len(got)} vs {len(want)}"
    print(f"\nkill -9 at checkpoints {kills}: {len(got)} outputs equal to the uninterrupted run's, blocks 0..{last}")
    killed_lines = open(os.path.join(out, "outputs.jsonl")).read().splitlines()
    ref_lines = open(os.path.join(ref_out, "outputs.jsonl")).read().splitlines()
    assert len(killed_lines) == len(set(killed_lines)), "the JSONL has duplicated lines"
    assert sorted(killed_lines) == sorted(ref_lines)


def malformed_frames(rng: random.Random, n_each: int, limit: int) -> dict:
    """n_each frames for each rejection reason; {reason: [frames]}."""
    swap_topic = "0xd78ad95fa46c994b6551d0da85fc275fe613ce37657fb8d5e3d130840159d822"
    sync_topic = "0x1c411e9a96e071241c2f21f7726b17ae89e3cab4c78be50e062b03a9fffbbad1"

    def log(topics, data, sub="{logs}", **over):
        r = {"address": "0x" + "ab" * 20, "topics": topics, "data": data, "blockNumber": "0x5", "blockHash": "0x" + "11" * 32,
             "transactionHash": "0x" + "22" * 32, "transactionIndex": "0x0", "logIndex": "0x0", "removed": False}
        r.update(over)
        return json.dumps({"jsonrpc": "2.0", "method": "eth_subscription", "params": {"subscription": sub, "result": r}})

    good = log([sync_topic], "0x" + "00" * 64)
    out = collections.defaultdict(list)
    for k in range(n_each):
        cut = rng.randrange(10, len(good) - 5)
        out["malformed_json"].append(good[:cut])
        out["wrong_type"].append(log([sync_topic], "0x" + "00" * 64, blockNumber=rng.randrange(1, 10**6)))
        out["unknown_subscription"].append(log([sync_topic], "0x" + "00" * 64, sub="0x%032x" % rng.getrandbits(128)))
        out["oversize"].append(log([sync_topic], "0x" + "00" * (limit // 2 + 64)))
        out["abi_mismatch"].append(log([swap_topic, "0x" + "00" * 32], "0x" + "00" * 128))
    return out


def test_ten_thousand_malformed_frames_are_counted_and_skipped(node, tmp_path):
    out = str(tmp_path / "out")
    limit = 4096
    bot = Bot(write_config(tmp_path / "live.yaml", node.ws_url, out, max_frame_bytes=limit))
    try:
        bot.wait_ready()
        frames = malformed_frames(random.Random(9), 2_000, limit)
        mixed = [(reason, f) for reason, fs in frames.items() for f in fs]
        random.Random(3).shuffle(mixed)
        traffic = Traffic(node.http_url, "--blocks", "30", "--swaps", "4", "--hops", "2")
        for i in range(0, len(mixed), 500):
            node.rpc.call("sigil_injectFrames", [f for _, f in mixed[i:i + 500]])
        traffic.finish()
        last = settle(node, bot, out)
        assert bot.stop() == 0, bot.text()
        assert_exactly_once(node, out, last)
        line = bot.final_feed_line()
        for reason, fs in frames.items():
            assert f"{reason} {len(fs)}" in line, f"{reason}: expected {len(fs)} in {line}"
        assert feed_number(line, "rejected") == 10_000
        print(f"\nmalformed: {line.strip()}")
        # At most one log line per reason per minute of the bot's own clock (its last status line),
        # each later one saying how many it left out.
        logged = collections.defaultdict(list)
        for _, l in bot.err:
            if "frame rejected" in l:
                logged[re.search(r"reason=(\w+)", l).group(1)].append(int(re.search(r"same_reason_since_last_log=(\d+)", l).group(1)))
        ran = max(float(m.group(1)) for _, l in bot.out if (m := re.match(r"\[\s*([\d.]+)s\]", l)))
        for reason, fs in frames.items():
            lines = logged[reason]
            assert 1 <= len(lines) <= 1 + ran // 60, f"{reason}: {len(lines)} log lines in {ran:.0f} s"
            assert lines[0] == 0 and len(lines) + sum(lines) <= len(fs), (reason, lines)
    finally:
        bot.stop()


def test_two_chains_and_hyperliquid_at_once_each_with_its_own_health(tmp_path):
    from live_helpers import HyperliquidServer, checkpoint
    with Devnet(seed=31) as a, Devnet(seed=32) as b:
        hl = HyperliquidServer("--coins", "BTC", "--rate", "30")
        out = str(tmp_path / "out")
        cfg = tmp_path / "multi.yaml"
        # Probes may be slow on a loaded two-core machine; this test is about one feed's outage
        # leaving the others alone, not about probe latency.
        write_config(cfg, a.ws_url, out, request_timeout=PATIENCE)
        text = cfg.read_text().replace("  - name: devnet\n", "  - name: chain-a\n", 1)
        extra = (f"  - name: chain-b\n    kind: ethereum\n    url: {b.ws_url}\n    from_block: 0\n    request_timeout: 10\n    token_transfers: false\n"
                 f"  - name: hyperliquid\n    kind: hyperliquid\n    url: {hl.ws_url}\n    coins: [BTC]\n")
        cfg.write_text(text.replace("registry:", extra + "registry:", 1))
        bot = Bot(str(cfg))
        try:
            bot.wait_ready()
            ta = Traffic(a.http_url, "--blocks", "10", "--swaps", "4", "--seed", "1")
            tb = Traffic(b.http_url, "--blocks", "10", "--swaps", "4", "--seed", "2")
            ta.finish()
            tb.finish()
            hl.control(method="drop", refuseMs=500)
            lasts = {}
            for name, node in (("chain-a", a), ("chain-b", b)):
                lasts[name] = int(node.rpc.call("eth_blockNumber"), 16)
                node.rpc.call("sigil_mine", 1)
            def settled():
                with db(out) as c:
                    rows = dict(c.execute("SELECT feed, block_number FROM checkpoints").fetchall())
                    trades = c.execute("SELECT COUNT(*) FROM trades WHERE feed = 'hyperliquid'").fetchone()[0]
                    gaps = c.execute("SELECT COUNT(*) FROM gaps WHERE feed = 'hyperliquid'").fetchone()[0]
                return all(rows.get(n, -1) >= l for n, l in lasts.items()) and trades > 50 and gaps >= 1
            # both chains caught up, and the Hyperliquid feed back from its outage with a gap stored
            eventually(settled, "the chains did not settle or the Hyperliquid outage left no gap")
            assert bot.stop() == 0, bot.text()
        finally:
            bot.stop()
            hl.close()
        with db(out) as c:
            for name, node in (("chain-a", a), ("chain-b", b)):
                got = c.execute("SELECT block_hash, log_index FROM events WHERE feed = ? AND retracted = 0", (name,)).fetchall()
                truth = ground_truth(node.rpc, 0, lasts[name])
                assert sorted(got) == sorted(truth), f"{name}: {len(got)} processed, {len(truth)} on the node"
            trades = c.execute("SELECT COUNT(*), COUNT(DISTINCT tid) FROM trades WHERE feed = 'hyperliquid'").fetchone()
            gaps = c.execute("SELECT COUNT(*) FROM gaps WHERE feed = 'hyperliquid'").fetchone()[0]
        assert trades[0] > 50 and trades[0] == trades[1]
        assert gaps >= 1, "the 500 ms outage was not recorded as a gap"
        finals = {}
        for _, l in bot.out:
            if l.strip().startswith("feed "):
                finals[l.split(":")[0].split()[-1]] = l
        assert set(finals) == {"chain-a", "chain-b", "hyperliquid"}, finals
        assert feed_number(finals["hyperliquid"], "reconnects") >= 1
        assert feed_number(finals["chain-a"], "reconnects") == 0


def test_confirmations_keep_shallow_reorgs_from_the_strategies(node, tmp_path):
    out = str(tmp_path / "out")
    bot = Bot(write_config(tmp_path / "live.yaml", node.ws_url, out, confirmations=2))
    try:
        bot.wait_ready()
        Traffic(node.http_url, "--blocks", "8", "--swaps", "6", "--hops", "2").finish()
        head = int(node.rpc.call("eth_blockNumber"), 16)
        wait_checkpoint(out, head - 2, bot)
        with db(out) as c:
            newest = c.execute("SELECT MAX(block_number) FROM events").fetchone()[0]
        assert newest <= head - 2, f"an event of block {newest} reached the strategies at head {head} with 2 confirmations"
        r = node.rpc.call("sigil_reorg", 1, {"drop": 1})
        node.rpc.call("sigil_mine", 3)
        last = int(node.rpc.call("eth_blockNumber"), 16) - 2
        wait_checkpoint(out, last, bot)
        assert bot.stop() == 0, bot.text()
        with db(out) as c:
            retracted = c.execute("SELECT COUNT(*) FROM events WHERE retracted = 1").fetchone()[0]
            dropped = c.execute("SELECT COUNT(*) FROM events WHERE block_hash = ?", (r["dropped"][0],)).fetchone()[0]
        assert retracted == 0 and dropped == 0, "a reorg shallower than the confirmations reached the strategies"
        assert_exactly_once(node, out, last)
    finally:
        bot.stop()


TRANSFER = "0x" + __import__("eth_utils").keccak(text="Transfer(address,address,uint256)").hex()


def transfer_truth(rpc, last: int):
    """The ERC-20 transfers of the tokens of every pool the factories created up to `last`:
    those at or after the token's first pool (which the bot must have) and all of them (which
    it may have: a backfill range that holds the creation fetches the whole range)."""
    created = {}
    for l in rpc.call("eth_getLogs", {"fromBlock": "0x0", "toBlock": hex(last),
                                      "topics": [[TOPICS_CREATED["v2"], TOPICS_CREATED["v3"]]]}):
        b = int(l["blockNumber"], 16)
        for t in ("0x" + l["topics"][1][-40:], "0x" + l["topics"][2][-40:]):
            created[t.lower()] = min(created.get(t.lower(), b), b)
    logs = rpc.call("eth_getLogs", {"fromBlock": "0x0", "toBlock": hex(last), "address": sorted(created), "topics": [[TRANSFER]]})
    logs = [l for l in logs if len(l["topics"]) == 3]
    allowed = {(l["blockHash"], int(l["logIndex"], 16)) for l in logs}
    must = {(l["blockHash"], int(l["logIndex"], 16)) for l in logs if int(l["blockNumber"], 16) >= created[l["address"].lower()]}
    return created, must, allowed


from sigiltools.scenarios import TOPICS as _T  # noqa: E402
TOPICS_CREATED = {"v2": _T["v2.pair_created"], "v3": _T["v3.pool_created"]}


def test_token_transfers_of_the_watched_pools_arrive_exactly_once_through_cuts_and_a_kill(node, tmp_path):
    """`token_transfers: true`: the feed follows the transfers of the tokens of every pool the
    factories create (learned live, as the pools appear), through connection cuts and a kill -9
    with a restart (the runtime hands the feed the tokens it followed); a token in no pool is
    never followed."""
    import subprocess
    import sys
    out = str(tmp_path / "out")
    config = write_config(tmp_path / "live.yaml", node.ws_url, out, token_transfers="true")
    bot = Bot(config)
    try:
        bot.wait_ready()
        env = dict(os.environ, PYTHONPATH=os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
        outsider = json.loads(subprocess.run([sys.executable, "-m", "sigiltools.drive", "--rpc", node.http_url, "transfers", "--count", "3"],
                                             check=True, capture_output=True, text=True, env=env).stdout)
        traffic = Traffic(node.http_url, "--blocks", "0", "--swaps", "6", "--interval", "0.05")
        cuts, killed = 0, False
        for _ in range(3):
            wait_progress(out, bot, 4)
            assert node.rpc.call("sigil_dropWebsockets") >= 0
            cuts += 1
        wait_progress(out, bot, 4)
        bot.kill9()
        bot = Bot(config)
        bot.wait_ready()
        killed = True
        wait_progress(out, bot, 4)
        eventually(lambda: head(node) >= 60, "the traffic did not reach block 60")
        traffic.stop()
        assert traffic.running() is False and cuts == 3 and killed
        last = settle(node, bot, out)
        assert bot.stop() == 0, bot.text()
        line = bot.final_feed_line()

        got = processed(out)
        dupes = [k for k, n in collections.Counter(got).items() if n > 1]
        assert not dupes, f"duplicated events: {dupes[:5]}"
        uniswap = set(ground_truth(node.rpc, 0, last))
        created, must, allowed = transfer_truth(node.rpc, last)
        assert len(created) == 3, f"the traffic's pools trade WETH, USDC and WBTC: {created}"
        transfers = set(got) - uniswap
        assert uniswap <= set(got), f"{len(uniswap - set(got))} pool events lost"
        missing = must - transfers
        assert not missing, f"{len(missing)} of {len(must)} transfers lost, e.g. {sorted(missing)[:3]}"
        foreign = transfers - allowed
        assert not foreign, f"{len(foreign)} events that are neither pool events nor the pools' token transfers: {sorted(foreign)[:3]}"
        with db(out) as c:
            emitters = {r[0].lower() for r in c.execute("SELECT DISTINCT address FROM events")}
        assert outsider["token"] not in emitters, "the transfers of a token in no pool were followed"
        print(f"\ntransfers: {len(must)} required, {len(transfers)} delivered ({len(transfers) - len(must)} from before a pool "
              f"in a backfill range), {len(uniswap)} pool events; {cuts} cuts, 1 kill -9; {line.strip()}")
        assert "tokens 3" in line, line
        assert len(must) >= 100, f"only {len(must)} transfers in the run"
    finally:
        bot.stop()
