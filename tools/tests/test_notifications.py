"""Notifications through the `sigil` binary: a webhook receiver that is down while the bundled
replay runs, then answers 503 twice, then takes deliveries slowly, with a `kill -9` of the bot
in the middle and a restart; and a Telegram Bot API server (the same wire format) that asks
once to retry later. Every output the webhook's filters take arrives, in order, each under its
idempotency key, at most one twice (the one in flight at the kill); the Telegram chat gets
exactly the critical rug-pull alerts, and the bot's token is never printed."""
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from live_helpers import PATIENCE, ROOT, eventually, sigil_binary

BUNDLED = os.path.join(ROOT, "data", "replay", "sigil-scenarios.jsonl.gz")
TOKEN = "123456:ABC-sigil_test-token"


class Receiver:
    """An HTTP server recording every POST; `refuse` requests are answered `status_first` first.
    With `hold_after`, once that many requests were accepted every later one waits unrecorded
    until `release()`, and is then dropped without an answer: the test decides when the bot is
    killed by the receiver's state, never by how fast the bot happens to deliver."""

    def __init__(self, port: int, refuse: int, status_first: int, body_first: bytes = b"", hold_after: int = None):
        self.requests = []
        self.lock = threading.Lock()
        self.hold_after = hold_after
        self.held = threading.Event()      # set when a request waits at the hold
        self.released = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with outer.lock:
                    hold = outer.hold_after is not None and not outer.released.is_set() \
                        and sum(1 for r in outer.requests if r[3]) >= outer.hold_after
                if hold:
                    outer.held.set()
                    outer.released.wait()
                    self.close_connection = True  # its bot is gone: no answer, nothing recorded
                    return
                with outer.lock:
                    n = len(outer.requests)
                    refused = n < refuse
                    outer.requests.append((self.path, dict(self.headers), body, not refused))
                self.send_response(status_first if refused else 200)
                self.send_header("Content-Type", "application/json")
                reply = body_first if refused else b'{"ok":true}'
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *a):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def release(self):
        self.released.set()

    def accepted(self):
        with self.lock:
            return [r for r in self.requests if r[3]]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start(config: str) -> subprocess.Popen:
    return subprocess.Popen([sigil_binary(), "run", config, "--keep-serving", "--status-every", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, SIGIL_TEST_TELEGRAM=TOKEN))


def wait_line(proc, prefix: str, seen: list, timeout=PATIENCE):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line)
        if line.startswith(prefix):
            return
    raise AssertionError(f"no line starting {prefix!r}: {''.join(seen)} {proc.stderr.read() if proc.poll() is not None else ''}")


def waiting(sqlite: str, sink: str = None) -> int:
    with sqlite3.connect(sqlite, timeout=PATIENCE) as c:
        if sink:
            return c.execute("SELECT count(*) FROM notifications WHERE failed = 0 AND sink = ?", (sink,)).fetchone()[0]
        return c.execute("SELECT count(*) FROM notifications WHERE failed = 0").fetchone()[0]


def test_every_output_arrives_once_per_key_across_an_outage_and_a_kill(tmp_path):
    hook_port, telegram_port = free_port(), free_port()
    # Both sinks wait up to two minutes for an answer: a receiver slowed by a busy machine must not
    # look like one that failed (the bot would retry, and at-least-once delivery would then show
    # repeats that the test's "at most the one in flight at the kill" cannot allow).
    out = tmp_path / "out"
    config = str(tmp_path / "notify.yaml")
    with open(config, "w") as f:
        f.write("\n".join([
            "feeds:", f"  - {{name: bundled, kind: replay, path: {BUNDLED}}}",
            f"registry: {{snapshot: {ROOT}/models/registry-snapshot.json}}",
            "models:", f"  - {{id: sigil/model-signal, file: {ROOT}/models/model-signal-logistic.safetensors}}",
            "strategies:",
            "  - {name: signals, plugin: model-signal, models: {signal: sigil/model-signal}}",
            "  - {name: rug-guard, plugin: rug-pull-guard}",
            "outputs:", f"  jsonl: {out}/outputs.jsonl", f"  sqlite: {out}/sigil.sqlite",
            "notifications:",
            f"  - {{name: ops, kind: webhook, url: \"http://127.0.0.1:{hook_port}/hooks/sigil?secret=s3\", min_severity: info, outputs: [alert, signal], timeout: 120}}",
            f"  - {{name: chat, kind: telegram, url: \"http://127.0.0.1:{telegram_port}\", token: \"${{SIGIL_TEST_TELEGRAM}}\", chat_id: \"-1001234\", min_severity: critical, plugins: [rug-pull-guard], timeout: 120}}",
        ]) + "\n")
    telegram = Receiver(telegram_port, refuse=1, status_first=429, body_first=b'{"ok":false,"error_code":429,"parameters":{"retry_after":1}}')
    hook = None
    bot = None
    seen = []
    try:
        # 1. The receiver is down for the whole replay: everything waits in the outbox.
        bot = start(config)
        wait_line(bot, "replay done", seen)
        queued = waiting(str(out / "sigil.sqlite"), "ops")
        outputs = [json.loads(l) for l in open(out / "outputs.jsonl")]
        expected = [o["key"] for o in outputs if o["type"] in ("alert", "signal")]
        assert queued == len(expected) and len(expected) > 150, (queued, len(expected))
        # The sink tries the first row whenever its timer comes round (the replay may be over first).
        def first_tried():
            with sqlite3.connect(str(out / "sigil.sqlite"), timeout=PATIENCE) as c:
                row = c.execute("SELECT attempts, last_error FROM notifications WHERE sink = 'ops' ORDER BY id LIMIT 1").fetchone()
            return row if row and row[0] >= 1 else None
        tried = eventually(first_tried, "the sink never tried the first queued row")
        assert "did not answer" in tried[1], tried

        # 2. It comes up, refuses twice with 503, then takes 100 deliveries and holds the next;
        # the bot is killed while that one is in flight.
        hook = Receiver(hook_port, refuse=2, status_first=503, hold_after=100)
        eventually(hook.held.is_set, "deliveries did not resume up to the hold")
        bot.send_signal(signal.SIGKILL)
        bot.wait(PATIENCE)
        hook.release()
        at_kill = len(hook.accepted())
        assert at_kill == 100 < len(expected), at_kill
        first = bot.stdout.read() + bot.stderr.read()

        # 3. A restart (the replay stores nothing new) delivers what was left.
        bot = start(config)
        wait_line(bot, "replay done", seen)
        eventually(lambda: waiting(str(out / "sigil.sqlite")) == 0 and len(telegram.accepted()) >= 3,
                   "the outbox did not drain after the restart")
        bot.send_signal(signal.SIGINT)
        rest, err = bot.communicate(timeout=PATIENCE)
        assert bot.returncode == 0, err
    finally:
        if bot and bot.poll() is None:  # a failed check must not leave the bot running
            bot.kill()
            bot.wait(PATIENCE)
        telegram.close()
        if hook:
            hook.close()
    text = "".join(seen) + first + rest + err
    assert TOKEN not in text and "s3" not in re.sub(r"0x[0-9a-f]+", "", text), "a secret was printed"
    assert re.search(r"notifications ops \(webhook http://127\.0\.0\.1:\d+/…\): \d+ delivered, \d+ retried, 0 refused, 0 waiting", rest), rest

    # Every output the webhook wants, in queue order; each request carries its key twice; the
    # body is the output as the JSONL file has it; at most the one in flight at the kill twice.
    by_key = {o["key"]: o for o in outputs}
    keys = []
    for path, headers, body, ok in hook.accepted():
        assert path == "/hooks/sigil?secret=s3"
        msg = json.loads(body)
        assert headers["Idempotency-Key"] == msg["idempotencyKey"] and msg["sink"] == "ops"
        assert msg["output"] == by_key[msg["idempotencyKey"]]
        keys.append(msg["idempotencyKey"])
    distinct = list(dict.fromkeys(keys))
    assert distinct == expected, f"{len(distinct)} distinct of {len(expected)}"
    assert len(keys) - len(distinct) <= 1, f"{len(keys) - len(distinct)} repeats"
    print(f"webhook: {len(expected)} outputs, {at_kill} delivered before the kill -9, {len(keys) - len(distinct)} delivered twice")
    refused = [r for r in hook.requests if not r[3]]
    assert len(refused) == 2

    # Telegram: the critical rug-pull alerts only, after one 429.
    critical = [o for o in outputs if o["type"] == "alert" and o["plugin"] == "rug-pull-guard" and o["alert"]["severity"] == "critical"]
    got = telegram.accepted()
    assert len(critical) == 3 and len(got) == 3 and len(telegram.requests) == 4, telegram.requests
    for (path, headers, body, _), alert in zip(got, critical):
        assert path == f"/bot{TOKEN}/sendMessage"
        msg = json.loads(body)
        assert msg["chat_id"] == "-1001234" and msg["disable_web_page_preview"] is True
        assert msg["text"].startswith("CRITICAL alert from rug-guard (rug-pull-guard): ") and alert["key"] in msg["text"], msg["text"]
