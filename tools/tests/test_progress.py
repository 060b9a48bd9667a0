"""Progress bars through the `sigil` binary: drawn in place on a terminal (a pseudo-terminal
from `script`), absent when the output is a pipe, so logs never fill with carriage returns."""
import os
import shlex
import subprocess

from live_helpers import PATIENCE, ROOT, sigil_binary

BUNDLED = os.path.join(ROOT, "data", "replay", "sigil-scenarios.jsonl.gz")


def test_training_shows_a_bar_on_a_terminal_only(tmp_path):
    args = [sigil_binary(), "train-model", "--data", BUNDLED, "--seed", "2", "--epochs", "60"]
    env = dict(os.environ, TERM="xterm")
    cmd = shlex.join(args + ["--out", str(tmp_path / "tty.safetensors")])
    # bytes, not text: Python's text mode would turn each \r into \n
    tty = subprocess.run(["script", "-q", "-e", "-c", cmd, "/dev/null"], capture_output=True, timeout=PATIENCE, env=env)
    assert tty.returncode == 0, tty
    shown = tty.stdout.decode()
    assert "\r[" in shown and "% epoch " in shown and "validation loss" in shown, repr(shown[:500])
    assert "\r\x1b[K" in shown, "the bar's line is cleared at the end"
    piped = subprocess.run(args + ["--out", str(tmp_path / "pipe.safetensors")], capture_output=True, timeout=PATIENCE, env=env)
    assert piped.returncode == 0, piped
    out, err = piped.stdout.decode(), piped.stderr.decode()
    assert "\r" not in out + err and "epoch" not in err, repr(err[:300])
    assert out.startswith(str(tmp_path / "pipe.safetensors") + ": logistic")
    # Same model either way: the bar changes nothing.
    assert open(tmp_path / "tty.safetensors", "rb").read() == open(tmp_path / "pipe.safetensors", "rb").read()
    dumb = subprocess.run(["script", "-q", "-e", "-c", cmd.replace("tty.safetensors", "dumb.safetensors"), "/dev/null"],
                          capture_output=True, timeout=PATIENCE, env=dict(os.environ, TERM="dumb"))
    assert dumb.returncode == 0 and "\r[" not in dumb.stdout.decode(), repr(dumb.stdout[:300])


def test_scenario_generation_bar_draws_on_a_terminal_only(monkeypatch):
    """The scenario generators' bar (sigiltools.progress, the same format as sigil's): on a
    pseudo-terminal it draws in place and clears its line; on a pipe or with TERM=dumb it writes
    nothing (the generators print their periodic step lines instead)."""
    import pty
    from sigiltools.progress import Progress
    monkeypatch.setenv("TERM", "xterm")
    master, slave = pty.openpty()
    with os.fdopen(slave, "w") as tty:
        bar = Progress(300, stream=tty)
        assert bar.enabled
        for i in range(1, 301):
            bar.show(i, f"step {i}/300")
        bar.finish()
    shown = os.read(master, 65536).decode()
    os.close(master)
    # The first and the last step are always drawn, the rest at most ten times a second.
    assert shown.startswith("\r[" + "." * 30 + "] 0% step 1/300\x1b[K"), repr(shown[:80])
    assert "\r[" + "#" * 30 + "] 100% step 300/300\x1b[K" in shown and shown.endswith("\r\x1b[K")
    assert shown.count("\r[") < 300
    read, write = os.pipe()
    with os.fdopen(write, "w") as pipe:
        quiet = Progress(3, stream=pipe)
        assert not quiet.enabled
        for i in range(1, 4):
            quiet.show(i, "x")
        quiet.finish()
    assert os.read(read, 100) == b""
    os.close(read)
    monkeypatch.setenv("TERM", "dumb")
    master, slave = pty.openpty()
    with os.fdopen(slave, "w") as tty:
        assert not Progress(3, stream=tty).enabled
    os.close(master)


def test_backfill_bar_on_a_terminal_only(tmp_path):
    """A live run catching up on 3,000 blocks draws one bar (closed block against the head) on a
    terminal, takes it off before the summary, and draws nothing through a pipe."""
    from sigiltools.client import Devnet
    from live_helpers import Traffic, write_config
    with Devnet(seed=71) as node:
        Traffic(node.http_url, "--blocks", "3", "--swaps", "2").finish()
        node.rpc.call("sigil_mine", 3000)
        last = int(node.rpc.call("eth_blockNumber"), 16)
        # Each closed block takes the runner at least 2 ms (a failpoint), so the backfill lasts
        # seconds beside the bar's 200 ms ticks however fast the build and the machine are.
        env = dict(os.environ, TERM="xterm", SIGIL_FAILPOINT="delay-per-item-ms:2")
        for name in ("tty", "pipe"):
            config = write_config(tmp_path / f"{name}.yaml", node.ws_url, str(tmp_path / name))
            args = [sigil_binary(), "run", config, "--stop-at-block", str(last - 1), "--status-every", "0"]
            if name == "tty":
                r = subprocess.run(["script", "-q", "-e", "-c", shlex.join(args), "/dev/null"], capture_output=True, timeout=PATIENCE, env=env)
                shown = r.stdout.decode()
                assert r.returncode == 0, shown
                bars = [b for b in shown.split("\r") if b.startswith("[")]
                assert bars and all(f" of {last}" in b and "backfill devnet: block " in b for b in bars), repr(shown[:800])
                assert shown.index("\r\x1b[Ksummary: ") > shown.rindex("\r["), "the bar is cleared before the summary"
            else:
                r = subprocess.run(args, capture_output=True, timeout=PATIENCE, env=env)
                assert r.returncode == 0, r
                assert "\r" not in r.stdout.decode() + r.stderr.decode() and "backfill" not in r.stderr.decode()
            assert f"closed {last}" in (shown if name == "tty" else r.stdout.decode())
