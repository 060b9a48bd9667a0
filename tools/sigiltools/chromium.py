"""Headless Chromium (Debian's `chromium`) driven over the DevTools protocol, for the dashboard
test: open a page, read values out of it, collect what the browser reports as errors (console
errors, uncaught exceptions, failed loads) and take a screenshot. No driver binary: the protocol
is JSON over the websocket Chromium itself opens."""
import base64
import itertools
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time

from websockets.sync.client import connect


class Chromium:
    def __init__(self, width=1400, height=1000, timeout=120):
        exe = shutil.which("chromium")
        if exe is None:
            raise RuntimeError("chromium is not installed: `make test` (tools/setup.sh) installs Debian's chromium")
        self.profile = tempfile.mkdtemp(prefix="sigil-chromium-")
        self.proc = subprocess.Popen(
            [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
             "--disable-extensions", "--disable-background-networking", "--remote-debugging-port=0",
             f"--user-data-dir={self.profile}", f"--window-size={width},{height}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.timeout = timeout
        url = self._devtools_url(timeout)
        self.ws = connect(url, max_size=64 * 1024 * 1024, open_timeout=timeout)
        self.ids = itertools.count(1)
        self.events: list[dict] = []
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Runtime", "Log", "Page"):
            self.send(f"{domain}.enable", session=self.session)
        self.send("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
                  session=self.session)

    def _devtools_url(self, timeout) -> str:
        found: list[str] = []
        lines: list[str] = []

        def read():
            for line in self.proc.stderr:
                lines.append(line)
                m = re.search(r"DevTools listening on (ws://\S+)", line)
                if m:
                    found.append(m.group(1))
                    break
            for _ in self.proc.stderr:  # keep draining, so Chromium never blocks on a full pipe
                pass
        threading.Thread(target=read, daemon=True).start()
        deadline = time.time() + timeout
        while not found:
            if self.proc.poll() is not None or time.time() > deadline:
                self.close()
                raise RuntimeError("chromium did not open its DevTools port: " + "".join(lines[-20:]))
            time.sleep(0.05)
        return found[0]

    def send(self, method, params=None, session=None):
        i = next(self.ids)
        msg = {"id": i, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self.ws.send(json.dumps(msg))
        deadline = time.time() + self.timeout
        while True:
            reply = json.loads(self.ws.recv(timeout=max(0.1, deadline - time.time())))
            if reply.get("id") == i:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def goto(self, url):
        self.send("Page.navigate", {"url": url}, session=self.session)
        deadline = time.time() + self.timeout
        while self.eval("document.readyState") != "complete":
            if time.time() > deadline:
                raise RuntimeError(f"{url} did not finish loading")
            time.sleep(0.1)

    def eval(self, expression):
        r = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=self.session)
        if "exceptionDetails" in r:
            raise RuntimeError(f"{expression}: {r['exceptionDetails']}")
        return r["result"].get("value")

    def errors(self) -> list[str]:
        """What the page reported as an error so far: console.error/assert, uncaught
        exceptions, and the browser's own error log entries (failed loads, CSP refusals)."""
        self.send("Runtime.evaluate", {"expression": "0"}, session=self.session)  # flushes pending events
        out = []
        for e in self.events:
            p = e.get("params", {})
            if e["method"] == "Runtime.exceptionThrown":
                out.append("exception: " + json.dumps(p.get("exceptionDetails", {}))[:500])
            elif e["method"] == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out.append("console." + p["type"] + ": " + json.dumps(p.get("args", []))[:500])
            elif e["method"] == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                out.append("log: " + p["entry"].get("text", "") + " " + p["entry"].get("url", ""))
        return out

    def screenshot(self, path):
        """The whole page as a PNG at `path`."""
        height = int(self.eval("Math.ceil(document.documentElement.scrollHeight)"))
        width = int(self.eval("Math.ceil(document.documentElement.scrollWidth)"))
        r = self.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True,
                                                 "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}},
                      session=self.session)
        data = base64.b64decode(r["data"])
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        return data

    def close(self):
        try:
            if getattr(self, "ws", None):
                self.ws.close()
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait(timeout=10)
            shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
