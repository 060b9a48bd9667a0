"""Running `sigil run` on live feeds against the devnet, and the ground truth to judge it by."""
import json
import os
import signal
import sqlite3
import subprocess
import threading
import time

from sigiltools.scenarios import TOPICS
from sigiltools.traffic import Traffic  # noqa: F401 (the tests take it from here)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The debug build unless SIGIL_BINARY names another (the release build: a fast bot).
SIGIL = os.environ.get("SIGIL_BINARY") or os.path.join(ROOT, ".build", "debug", "sigil")


# How long a wait on state may take before it is called a hang. Generous on purpose: a test
# waits for the state it asserts, never for a time, so a slow or busy machine only waits longer.
PATIENCE = float(os.environ.get("SIGIL_TEST_PATIENCE", "300"))


def eventually(check, what: str, timeout: float = None, poll: float = 0.05, alive=None):
    """Looks at `check` until it returns a true value and returns that value: the one place a
    test waits, always for a state. It fails with `what` and the last value seen once the state
    cannot come (`alive`, a process, has exited) or past the deadline (PATIENCE unless given),
    which only turns a hang into a failure. `poll` is how often it looks, never what it waits for."""
    deadline = time.monotonic() + (timeout or PATIENCE)
    while True:
        got = check()
        if got:
            return got
        if alive is not None and alive.poll() is not None and not check():
            raise AssertionError(f"{what}: the process exited first (exit {alive.returncode})")
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout or PATIENCE:.0f} s (last: {got!r})")
        time.sleep(poll)


def sigil_binary() -> str:
    if not os.access(SIGIL, os.X_OK):
        raise RuntimeError(f"no sigil binary at {SIGIL}: run `swift build` (make test builds it first)")
    return SIGIL


def write_config(path, ws_url: str, out_dir: str, **feed) -> str:
    """A live configuration: one ethereum feed from block 0, both bundled strategies, the paper
    portfolio on the traffic's USDC (any address; pools without it are simply not traded).
    Token transfers are off unless a test asks for them: rug-pull-guard wants them (to name who
    received the liquidity), which would turn `auto` on, and these tests' oracle is the node's
    eth_getLogs of the Uniswap events (the transfer test checks transfers against its own)."""
    lines = ["feeds:", "  - name: devnet", "    kind: ethereum", f"    url: {ws_url}", "    from_block: 0"]
    defaults = {"silence_timeout": 2, "request_timeout": 2, "reconnect": "{initial: 0.05, max: 0.5}", "token_transfers": "false"}
    defaults.update(feed)
    lines += [f"    {k}: {v}" for k, v in defaults.items()]
    lines += [
        "registry:", f"  snapshot: {ROOT}/models/registry-snapshot.json",
        "models:", "  - id: sigil/model-signal", f"    file: {ROOT}/models/model-signal-logistic.safetensors",
        "strategies:",
        "  - name: signals", "    plugin: model-signal", "    models: {signal: sigil/model-signal}",
        "    params: {threshold: 0.52, cooldown_blocks: 1}",
        "  - name: rug-guard", "    plugin: rug-pull-guard",
        "outputs:", f"  jsonl: {out_dir}/outputs.jsonl", f"  sqlite: {out_dir}/sigil.sqlite",
    ]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return str(path)


class Bot:
    """`sigil run CONFIG` in the background, its output lines kept with their arrival times."""

    def __init__(self, config: str, *args: str, env=None):
        self.proc = subprocess.Popen([sigil_binary(), "run", config, "--status-every", "1", *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        self.out: list[tuple[float, str]] = []
        self.err: list[tuple[float, str]] = []
        self.threads = [threading.Thread(target=self._pump, args=(s, d), daemon=True)
                        for s, d in ((self.proc.stdout, self.out), (self.proc.stderr, self.err))]
        for t in self.threads:
            t.start()

    @staticmethod
    def _pump(stream, dest):
        for line in stream:
            dest.append((time.time(), line.rstrip("\n")))

    def wait_ready(self, timeout=PATIENCE):
        try:
            eventually(lambda: any(l.startswith("ready in") for _, l in self.out), "sigil run becoming ready", timeout, alive=self.proc)
        except AssertionError as e:
            raise RuntimeError(f"{e}: {self.text()}")

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(60)

    def stop(self, timeout=PATIENCE) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()
        rc = self.proc.wait(timeout)
        for t in self.threads:
            t.join(5)
        return rc

    def wait(self, timeout) -> int:
        rc = self.proc.wait(timeout)
        for t in self.threads:
            t.join(5)
        return rc

    def text(self) -> str:
        return "\n".join(l for _, l in self.out) + "\n--- stderr ---\n" + "\n".join(l for _, l in self.err[-50:])

    def final_feed_line(self) -> str:
        lines = [l for _, l in self.out if l.strip().startswith("feed devnet:")]
        if not lines:
            raise AssertionError(f"no feed status line: {self.text()}")
        return lines[-1]


def feed_number(line: str, field: str) -> int:
    """A count from a feed status line: `reconnects 3`, `rewinds 1`, …"""
    import re
    m = re.search(rf"\b{field} (\d+)", line)
    if not m:
        raise AssertionError(f"no {field} in {line!r}")
    return int(m.group(1))


def db(out_dir: str) -> sqlite3.Connection:
    return sqlite3.connect(os.path.join(out_dir, "sigil.sqlite"))


def processed(out_dir: str) -> list[tuple[str, int]]:
    """(block hash, log index) of every event the bot processed and that still stands."""
    with db(out_dir) as c:
        return [(h, i) for h, i in c.execute("SELECT block_hash, log_index FROM events WHERE retracted = 0")]


def checkpoint(out_dir: str) -> int:
    try:
        with db(out_dir) as c:
            row = c.execute("SELECT block_number FROM checkpoints WHERE feed = 'devnet'").fetchone()
            return row[0] if row else -1
    except sqlite3.Error:
        return -1


def wait_checkpoint(out_dir: str, block: int, bot: Bot, timeout=PATIENCE):
    try:
        eventually(lambda: checkpoint(out_dir) >= block, f"the checkpoint reaching {block}", timeout, poll=0.1, alive=bot.proc)
    except AssertionError as e:
        raise AssertionError(f"{e} (at {checkpoint(out_dir)}): {bot.text()}")


def ground_truth(rpc, first: int, last: int) -> list[tuple[str, int]]:
    logs = rpc.call("eth_getLogs", {"fromBlock": hex(first), "toBlock": hex(last), "topics": [list(TOPICS.values())]})
    return [(l["blockHash"], int(l["logIndex"], 16)) for l in logs]


def within(events, last: int, rpc) -> list[tuple[str, int]]:
    """The events of blocks up to `last` (by the node's numbering of their block hash)."""
    numbers = {}
    out = []
    for h, i in events:
        if h not in numbers:
            numbers[h] = int(rpc.call("eth_getBlockByHash", h, False)["number"], 16)
        if numbers[h] <= last:
            out.append((h, i))
    return out


class HyperliquidServer:
    """`python -m sigiltools.hyperliquid` on free ports."""

    def __init__(self, *args: str):
        import re
        import sys
        env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "tools"))
        self.proc = subprocess.Popen([sys.executable, "-m", "sigiltools.hyperliquid", "--ws-port", "0", "--control-port", "0", *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        line = self.proc.stdout.readline()
        m = re.search(r"ws=(\S+) control=(\S+)", line)
        if not m:
            self.proc.kill()
            raise RuntimeError(f"hyperliquid server did not start: {line!r} {self.proc.stderr.read()[-2000:]}")
        self.ws_url, self.control_url = m.group(1), m.group(2)

    def control(self, **req):
        import urllib.request
        r = urllib.request.Request(self.control_url, data=json.dumps(req).encode(), headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(r, timeout=30) as resp:
            return json.loads(resp.read())["result"]

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


def assert_lines_match_store(out_dir: str) -> int:
    """The JSONL holds exactly the store's lines, in order, each output key once."""
    with db(out_dir) as c:
        sink = [j for (j,) in c.execute("SELECT json FROM sink ORDER BY seq")]
    lines = open(os.path.join(out_dir, "outputs.jsonl")).read().splitlines()
    assert lines == sink, f"{len(lines)} JSONL lines, {len(sink)} in the store"
    keys = [json.loads(l)["key"] for l in lines]
    assert len(keys) == len(set(keys)), "an output key appears twice"
    return len(lines)
