"""Issue 9 through the real binary: a misbehaving proxy injecting an out-of-range log, two runs
on one output store, a full disk under the JSONL, a websocket peer that never answers the
handshake, and a model file that does not match (streamed, never read whole)."""
import asyncio
import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import threading

import pytest
import websockets

from sigiltools.client import Devnet
from live_helpers import (PATIENCE, ROOT, Bot, Traffic, assert_lines_match_store, db, eventually, feed_number, sigil_binary,
                          wait_checkpoint, write_config)
from test_live_faults import assert_exactly_once, settle


@pytest.fixture
def node():
    with Devnet(seed=33) as d:
        yield d


class InjectingProxy:
    """A websocket proxy in front of the devnet that forwards every frame both ways, and when
    armed copies the next log notification with its block number set to 0xfffffff (a block
    the node does not have) before forwarding the original."""

    def __init__(self, upstream: str):
        self.upstream = upstream
        self.armed = threading.Event()
        self.injected = threading.Event()
        self.loop = asyncio.new_event_loop()
        started = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(started,), daemon=True)
        self.thread.start()
        if not started.wait(PATIENCE):
            raise RuntimeError("the proxy did not start")

    def _run(self, started):
        asyncio.set_event_loop(self.loop)

        async def main():
            self.server = await websockets.serve(self._client, "127.0.0.1", 0, max_size=None)
            self.url = f"ws://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"
            started.set()
            await self.server.serve_forever()

        try:
            self.loop.run_until_complete(main())
        except asyncio.CancelledError:
            pass

    async def _client(self, client):
        async with websockets.connect(self.upstream, max_size=None) as up:
            async def down():
                async for text in up:
                    if self.armed.is_set() and '"logIndex"' in text and '"eth_subscription"' in text:
                        forged = json.loads(text)
                        forged["params"]["result"]["blockNumber"] = "0xfffffff"
                        forged["params"]["result"]["blockHash"] = "0x" + "ee" * 32
                        await client.send(json.dumps(forged))
                        self.armed.clear()
                        self.injected.set()
                    await client.send(text)

            async def upwards():
                async for text in client:
                    await up.send(text)

            await asyncio.gather(down(), upwards(), return_exceptions=True)

    def close(self):
        self.loop.call_soon_threadsafe(self.server.close)
        self.thread.join(5)


def test_an_out_of_range_log_from_a_proxy_is_rejected_and_restarts_are_clean(node, tmp_path):
    proxy = InjectingProxy(node.ws_url)
    out = str(tmp_path / "out")
    try:
        bot = Bot(write_config(tmp_path / "proxied.yaml", proxy.url, out))
        try:
            bot.wait_ready()
            Traffic(node.http_url, "--blocks", "10", "--swaps", "4").finish()
            proxy.armed.set()
            Traffic(node.http_url, "--blocks", "10", "--swaps", "4", "--seed", "2").finish()
            assert proxy.injected.wait(PATIENCE), "the proxy never saw a log to forge"
            last = settle(node, bot, out)
            assert bot.stop() == 0, bot.text()
        finally:
            bot.stop()
        line = bot.final_feed_line()
        print(f"\nproxy: {line.strip()}")
        assert feed_number(line, "rejected") == 1 and "unknown_block 1" in line, line
        with db(out) as c:
            assert c.execute("SELECT COUNT(*) FROM events WHERE block_number = ?", (0xfffffff,)).fetchone()[0] == 0
        assert_exactly_once(node, out, last)
        # A restart straight against the node rebuilds from the journal and carries on.
        again = Bot(write_config(tmp_path / "direct.yaml", node.ws_url, out), "--stop-at-block", str(last + 2))
        try:
            again.wait_ready()
            node.rpc.call("sigil_mine", 3)
            assert again.wait(PATIENCE) == 0, again.text()
        finally:
            again.stop()
        assert any("state rebuilt from" in l for _, l in again.out), again.text()
        assert_exactly_once(node, out, last)
        assert_lines_match_store(out)
    finally:
        proxy.close()


def test_a_second_run_on_the_same_outputs_is_refused_before_it_writes(node, tmp_path):
    out = str(tmp_path / "out")
    config = write_config(tmp_path / "live.yaml", node.ws_url, out)
    first = Bot(config)
    try:
        first.wait_ready()
        Traffic(node.http_url, "--blocks", "30", "--swaps", "8").finish()
        before = open(os.path.join(out, "outputs.jsonl"), "rb").read()
        second = subprocess.run([sigil_binary(), "run", config], capture_output=True, text=True, timeout=PATIENCE)
        assert second.returncode == 2, second
        assert f"in use by process {first.proc.pid}" in second.stderr and os.path.join(out, "sigil.sqlite") in second.stderr, second.stderr
        assert open(os.path.join(out, "outputs.jsonl"), "rb").read()[:len(before)] == before
        Traffic(node.http_url, "--blocks", "30", "--swaps", "8", "--seed", "5").finish()
        last = settle(node, first, out)
        assert first.stop() == 0, first.text()
    finally:
        first.stop()
    assert_exactly_once(node, out, last)
    n = assert_lines_match_store(out)
    print(f"\nsecond run refused: {second.stderr.strip()}\n{n} JSONL lines, exactly the store's")
    assert n > 0


REPLAY = """feeds:
  - name: bundled
    kind: replay
    path: {root}/data/replay/sigil-scenarios.jsonl.gz
registry:
  snapshot: {root}/models/registry-snapshot.json
models:
  - id: sigil/model-signal
    file: {model}
strategies:
  - name: signals
    plugin: model-signal
    models: {{signal: sigil/model-signal}}
    params: {{threshold: 0.52, cooldown_blocks: 1}}
  - name: rug-guard
    plugin: rug-pull-guard
portfolio:
  cash_token: "0x63f58053c9499e1104a6f6c6d2581d6d83067eeb"
outputs:
  jsonl: {jsonl}
  sqlite: {sqlite}
"""


def replay_config(path, jsonl, sqlite, model=None) -> str:
    with open(path, "w") as f:
        f.write(REPLAY.format(root=ROOT, jsonl=jsonl, sqlite=sqlite, model=model or f"{ROOT}/models/model-signal-logistic.safetensors"))
    return str(path)


def test_a_full_disk_under_the_jsonl_ends_the_run_cleanly_and_a_rerun_heals_it(tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48k", "tmpfs", str(disk)], capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.fail(f"this test needs a small tmpfs (root): mount said {mounted.stderr.strip()}")
    try:
        jsonl, sqlite = str(disk / "outputs.jsonl"), str(tmp_path / "sigil.sqlite")
        config = replay_config(tmp_path / "full.yaml", jsonl, sqlite)
        full = subprocess.run([sigil_binary(), "run", config], capture_output=True, text=True, timeout=PATIENCE)
        assert full.returncode == 2, full
        assert jsonl in full.stderr and "No space left on device" in full.stderr, full.stderr
        with db_at(sqlite) as c:
            stored = c.execute("SELECT COUNT(*) FROM sink").fetchone()[0]
        lines = open(jsonl).read().count("\n")
        assert 0 < lines < stored, (lines, stored)
        # Room again: the rerun brings the JSONL level with the store and finishes the recording.
        subprocess.run(["mount", "-o", "remount,size=64m", str(disk)], check=True)
        rerun = subprocess.run([sigil_binary(), "run", config], capture_output=True, text=True, timeout=PATIENCE)
        assert rerun.returncode == 0, rerun
        reference = replay_config(tmp_path / "ref.yaml", str(tmp_path / "ref.jsonl"), str(tmp_path / "ref.sqlite"))
        assert subprocess.run([sigil_binary(), "run", reference], capture_output=True, timeout=PATIENCE).returncode == 0
        got = sorted(open(jsonl).read().splitlines())
        want = sorted(open(tmp_path / "ref.jsonl").read().splitlines())
        assert got == want, f"{len(got)} lines after the full disk and a rerun, {len(want)} in an uninterrupted run"
        print(f"\nfull disk: stopped with {lines} of {stored} lines written ({full.stderr.strip()}); the rerun left {len(got)} lines, equal to an uninterrupted run")
    finally:
        subprocess.run(["umount", str(disk)])


def db_at(path):
    import sqlite3
    return sqlite3.connect(path)


def test_sigint_during_a_handshake_that_is_never_answered(tmp_path):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)  # the kernel completes TCP handshakes; nobody ever answers
    port = listener.getsockname()[1]
    config = tmp_path / "stall.yaml"
    config.write_text(f"""feeds:
  - name: stall
    kind: ethereum
    url: ws://127.0.0.1:{port}
    request_timeout: 0.5
    reconnect: {{initial: 0.05, max: 0.2}}
outputs:
  jsonl: {tmp_path}/out/o.jsonl
  sqlite: {tmp_path}/out/o.sqlite
""")
    bot = Bot(str(config))
    try:
        bot.wait_ready()
        # two handshakes timed out and a third under way (the status line says so each second)
        eventually(lambda: any(l.strip().startswith("feed stall:") and feed_number(l, "reconnects") >= 2 for _, l in bot.out),
                   "the stalled handshakes were not retried")
        bot.proc.send_signal(signal.SIGINT)
        rc = bot.wait(PATIENCE)
    finally:
        bot.stop()
        listener.close()
    line = [l for _, l in bot.out if l.strip().startswith("feed stall:")][-1]
    # how long the shutdown took, in the bot's own clock (from the signal to the group's end)
    stopped = [int(m.group(1)) for _, l in bot.out if (m := re.match(r"stopped (\d+) ms after SIGINT", l))]
    print(f"\nstalled handshake: {bot.out[-1][1] if stopped else 'no stop line'}; {line.strip()}")
    assert rc == 0 and stopped and stopped[0] < 1000, bot.text()
    assert feed_number(line, "reconnects") >= 2 and "no websocket handshake within" in line, line


def max_rss_kib(argv) -> tuple[int, subprocess.CompletedProcess]:
    """Runs argv in a child of a fresh interpreter and returns that child's peak RSS."""
    probe = ("import resource, subprocess, sys, json\n"
             "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
             "print(json.dumps([resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, p.returncode, p.stdout, p.stderr]))")
    r = subprocess.run([sys.executable, "-c", probe, *argv], capture_output=True, text=True, timeout=PATIENCE)
    rss, rc, out, err = json.loads(r.stdout)
    return rss, subprocess.CompletedProcess(argv, rc, out, err)


def test_a_large_model_that_does_not_match_is_streamed_never_read_whole(tmp_path):
    model = tmp_path / "big.safetensors"
    with open(model, "wb") as f:
        f.write(open(f"{ROOT}/models/model-signal-logistic.safetensors", "rb").read())
        f.truncate(512 << 20)  # a 512 MiB file (sparse): the registry's hash cannot match
    config = replay_config(tmp_path / "big.yaml", str(tmp_path / "o.jsonl"), str(tmp_path / "o.sqlite"), model=str(model))
    rss, run = max_rss_kib([sigil_binary(), "run", config])
    assert run.returncode == 2 and "is not the registered" in run.stderr, run
    print(f"\n512 MiB mismatched model: refused with peak RSS {rss / 1024:.0f} MiB")
    assert rss < 120 * 1024, f"peak RSS {rss} KiB: the model was read into memory"
    rss2, verify = max_rss_kib([sigil_binary(), "verify-model", str(model), "--model", "sigil/model-signal",
                                "--snapshot", f"{ROOT}/models/registry-snapshot.json"])
    assert verify.returncode == 1 and "MISMATCH" in verify.stdout, verify
    assert rss2 < 120 * 1024
