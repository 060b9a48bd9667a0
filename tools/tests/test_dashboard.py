"""The live dashboard (`GET /` of the metrics address) in headless Chromium: the page loads with
no console error, shows the run moving while a paced replay of the bundled recording plays, and
ends showing what the run stored (events, signals, alerts, equity, models, the newest outputs
with their evidence). A screenshot is saved to out/dashboard/dashboard.png (the README's)."""
import json
import os
import re
import signal
import sqlite3
import subprocess
import threading
import urllib.error
import urllib.request
from collections import Counter

import pytest

from sigiltools.chromium import Chromium
from live_helpers import PATIENCE, ROOT, eventually, sigil_binary

SCREENSHOT = os.path.join(ROOT, "out", "dashboard", "dashboard.png")


def write_config(tmp_path):
    out = tmp_path / "out"
    config = tmp_path / "dashboard.yaml"
    config.write_text("\n".join([
        "feeds:", f"  - {{name: bundled, kind: replay, path: {ROOT}/data/replay/sigil-scenarios.jsonl.gz}}",
        f"registry: {{snapshot: {ROOT}/models/registry-snapshot.json}}",
        "models:", f"  - {{id: sigil/model-signal, file: {ROOT}/models/model-signal-logistic.safetensors}}",
        "strategies:",
        "  - {name: signals, plugin: model-signal, models: {signal: sigil/model-signal}, params: {threshold: 0.55, cooldown_blocks: 10}}",
        "  - {name: rug-guard, plugin: rug-pull-guard}",
        "  - {name: sandwich, plugin: sandwich-watch}",
        "  - {name: wash-trade, plugin: wash-trade-watch}",
        "  - {name: dump, plugin: dump-watch}",
        "portfolio: {cash_token: \"0x63f58053c9499e1104a6f6c6d2581d6d83067eeb\", cash_decimals: 6, cash: 100000, trade_size: 1000}",
        "outputs:", f"  jsonl: {out}/outputs.jsonl", f"  sqlite: {out}/sigil.sqlite",
        "metrics: {host: 127.0.0.1, port: 0}",
    ]) + "\n")
    return config, out


class Run:
    """`sigil run` with its stdout read as it comes."""
    def __init__(self, args):
        self.proc = subprocess.Popen([sigil_binary(), "run", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line)

    def wait_for(self, pattern, timeout=PATIENCE):
        def found():
            return next((m for line in list(self.lines) if (m := re.search(pattern, line))), None)
        try:
            return eventually(found, f"a line matching {pattern!r}", timeout, alive=self.proc)
        except AssertionError as e:
            raise AssertionError(f"{e}: {''.join(self.lines)}{self.proc.stderr.read() if self.proc.poll() is not None else ''}")

    def done(self):
        return any(l.startswith("replay done") for l in self.lines)


READ = """JSON.stringify({
  updates: Number(document.body.dataset.updates), statuses: Number(document.body.dataset.statuses),
  received: Number(document.body.dataset.outputs || 0), markers: Number(document.body.dataset.markers || 0),
  events: document.getElementById('events').textContent, block: document.getElementById('last-block').textContent,
  signals: document.getElementById('signals').textContent, vetoed: document.getElementById('vetoed').textContent,
  alerts: document.getElementById('alerts').textContent, equity: document.getElementById('equity').textContent,
  connection: document.getElementById('connection').textContent,
  charts: document.querySelectorAll('#prices svg polyline').length,
  equityLine: document.querySelectorAll('#equity-chart svg polyline').length,
  models: [...document.querySelectorAll('#models tbody tr')].map(r => [...r.cells].map(c => c.textContent)),
  rows: [...document.querySelectorAll('#outputs details')].map(d => d.dataset.key),
  alertRows: [...document.querySelectorAll('#alert-list details')].map(d => d.dataset.key),
})"""


def number(text):
    return int(text.replace(",", ""))


def test_dashboard_follows_a_replay_in_chromium(tmp_path):
    config, out = write_config(tmp_path)
    run = None
    try:
        # The browser is up before the bot starts: the paced replay (about 40 s at 50 blocks a
        # second) is then long beside loading one page, however busy the machine.
        with Chromium() as browser:
            run = Run([str(config), "--pace", "50", "--keep-serving"])
            url = run.wait_for(r"dashboard on (http://\S+)").group(1)
            browser.goto(url)
            # While the recording plays: the page moves on its own.
            # Each sample waits for the page's next update (its counter moving) or the end.
            seen = [json.loads(browser.eval(READ))]
            while not run.done():
                before = seen[-1]["updates"]
                seen.append(eventually(lambda: (p := json.loads(browser.eval(READ)))["updates"] != before and p or run.done() and p,
                                       "the page updating while the replay plays", poll=0.2, alive=run.proc))
            assert run.done(), "".join(run.lines)
            blocks = [number(s["block"]) for s in seen if s["statuses"] > 0]
            assert blocks == sorted(blocks), blocks
            assert len(set(b for b in blocks if b < 2031)) >= 5, f"the page did not move while the replay played: {blocks}"
            updates = [s["updates"] for s in seen]
            assert len(set(updates)) >= 5, updates
            assert seen[-1]["connection"] == "connected"

            # What the run stored, on the page once its last status arrived (sent once a second).
            outputs = [json.loads(l) for l in open(out / "outputs.jsonl")]
            with sqlite3.connect(out / "sigil.sqlite") as c:
                events = c.execute("SELECT count(*) FROM events").fetchone()[0]
            page = eventually(lambda: (p := json.loads(browser.eval(READ))) and number(p["block"]) == 2031
                              and p["received"] == len(outputs) and number(p["events"]) == events and p,
                              "the page did not show the end of the run")
            errors = browser.errors()
            assert errors == [], errors

            sides = Counter(o["signal"]["side"] for o in outputs if o["type"] == "signal" and not o["signal"]["vetoed"])
            alerts = [o for o in outputs if o["type"] == "alert"]
            assert alerts and sides["buy"] and sides["sell"]
            assert number(page["events"]) == events == 11789, page
            assert number(page["block"]) == 2031
            assert page["signals"] == f"{sides['buy']:,} / {sides['sell']:,}", (page, sides)
            assert number(page["vetoed"]) == sum(1 for o in outputs if o["type"] == "signal" and o["signal"]["vetoed"])
            assert number(page["alerts"]) == len(alerts)
            assert page["received"] == len(outputs), (page["received"], len(outputs))
            # Every alert, newest first; the newest 100 signals, newest first, fills hidden.
            assert page["alertRows"] == [o["key"] for o in alerts][::-1]
            shown = [o["key"] for o in outputs if o["type"] == "signal"][-100:][::-1]
            assert page["rows"] == shown
            assert page["charts"] >= 1 and page["markers"] > 0 and page["equityLine"] == 1, page
            snapshot = json.load(open(os.path.join(ROOT, "models", "registry-snapshot.json")))
            assert page["models"] and page["models"][0][0] == "sigil/model-signal" and page["models"][0][2].startswith("0x"), page["models"]
            assert page["models"][0][2] in json.dumps(snapshot), page["models"]

            # Evidence: an alert's row opens onto its description and metadata, as text.
            newest = [a for a in alerts if a["alert"]["severity"] == "critical"][-1]  # a rug pull: short evidence, the list shows round it
            evidence = browser.eval(f"""(() => {{
                const d = [...document.querySelectorAll('#alert-list details')].find(d => d.dataset.key === {json.dumps(newest['key'])});
                d.open = true;
                return [...d.querySelectorAll('dd')].map(x => x.textContent);
            }})()""")
            assert newest["alert"]["description"] in evidence, evidence
            assert all(v in evidence for v in newest["alert"]["metadata"].values()), (evidence, newest)
            png = browser.screenshot(SCREENSHOT)
            assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000
            # Paper fills on request.
            browser.eval("document.getElementById('show-fills').click()")
            eventually(lambda: browser.eval("document.querySelectorAll('#outputs .kind.fill').length") > 0, "no fills shown")
            assert browser.errors() == []
            # The bot shuts down with the page still connected (the stream ends, nothing hangs).
            run.proc.send_signal(signal.SIGINT)
            assert run.proc.wait(timeout=PATIENCE) == 0, run.proc.stderr.read()
    finally:
        if run and run.proc.poll() is None:
            run.proc.kill()


def test_pace_is_checked(tmp_path):
    config, _ = write_config(tmp_path)
    for bad in ("0", "-5", "nan", "inf", "2000000"):
        r = subprocess.run([sigil_binary(), "run", str(config), f"--pace={bad}"], capture_output=True, text=True, timeout=PATIENCE)
        assert r.returncode != 0 and "--pace takes blocks a second from 0.1 to 1000000" in r.stderr, (bad, r.stderr)


def test_dashboard_serves_only_its_own_assets(tmp_path):
    """The page loads nothing from elsewhere and runs no inline script (Content-Security-Policy),
    puts what the bot says into the page as text only, and the stream is bounded in clients."""
    config, _ = write_config(tmp_path)
    run = Run([str(config), "--keep-serving"])
    try:
        url = run.wait_for(r"dashboard on (http://\S+)").group(1)
        run.wait_for(r"^replay done")
        with urllib.request.urlopen(url, timeout=PATIENCE) as r:
            html = r.read().decode()
            policy = r.headers["Content-Security-Policy"]
        assert "default-src 'none'" in policy and "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert not re.search(r"(src|href)=\"(https?:)?//", html), "an outside resource in the page"
        assert "<script>" not in html and " on" not in re.sub(r"<script[^>]*src=[^>]*>", "", html).split("<body", 1)[0]
        with urllib.request.urlopen(url + "dashboard.js", timeout=PATIENCE) as r:
            script = r.read().decode()
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
            assert sink not in script, sink
        # At most 16 streams at once; the 17th is refused with 503.
        streams = [urllib.request.urlopen(url + "api/stream", timeout=PATIENCE) for _ in range(16)]
        try:
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(url + "api/stream", timeout=PATIENCE)
            assert refused.value.code == 503
        finally:
            for s in streams:
                s.close()
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(url + "nothing-here", timeout=PATIENCE)
        assert missing.value.code == 404
        run.proc.send_signal(signal.SIGINT)
        assert run.proc.wait(timeout=PATIENCE) == 0, run.proc.stderr.read()
    finally:
        if run.proc.poll() is None:
            run.proc.kill()


def test_keep_serving_without_a_metrics_address_serves_the_dashboard_on_loopback(tmp_path):
    """The README's tour: the bundled default has no `metrics:`; `--keep-serving` then serves the
    dashboard on a free loopback port, and says where once the replay is done."""
    config = tmp_path / "strategies.yaml"
    text = open(os.path.join(ROOT, "strategies.yaml")).read()
    for rel in ("data/", "models/"):
        text = text.replace(f": {rel}", f": {ROOT}/{rel}")
    config.write_text(text.replace(": out/", f": {tmp_path}/out/"))
    assert "metrics:" not in re.sub(r"#.*", "", text)
    run = Run([str(config), "--pace", "1000", "--keep-serving"])
    try:
        done = run.wait_for(r"^replay done; dashboard on (http://127\.0\.0\.1:\d+/), metrics and notifications until SIGINT or SIGTERM")
        with urllib.request.urlopen(done.group(1), timeout=PATIENCE) as r:
            assert r.status == 200 and "<title>" in r.read().decode()
        assert any(l.startswith(f"dashboard on {done.group(1)}") for l in run.lines)
        run.proc.send_signal(signal.SIGINT)
        assert run.proc.wait(timeout=PATIENCE) == 0, run.proc.stderr.read()
        assert any(re.match(r"stopped \d+ ms after SIGINT", l) for l in run.lines), "".join(run.lines)
    finally:
        if run.proc.poll() is None:
            run.proc.kill()


def test_a_signal_just_as_a_kept_replay_ends_stops_it_cleanly(tmp_path):
    """SIGINT sent the moment `replay done` is printed (the replay's service ending and the
    group's shutdown beginning at once) still ends the run with exit 0: it once failed with
    `ServiceGroupError: A service has finished unexpectedly` on a busy machine."""
    config, _ = write_config(tmp_path)
    for attempt in range(5):
        run = Run([str(config), "--keep-serving"])
        try:
            run.wait_for(r"^replay done")
            run.proc.send_signal(signal.SIGINT)
            rc = run.proc.wait(timeout=PATIENCE)
            assert rc == 0, (attempt, run.proc.stderr.read())
        finally:
            if run.proc.poll() is None:
                run.proc.kill()
