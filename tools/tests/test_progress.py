"""Progress bars through the `sigil` binary: drawn in place on a terminal (a pseudo-terminal
from `script`), absent when the output is a pipe, so logs never fill with carriage returns."""
import os
import shlex
import subprocess

from live_helpers import ROOT, sigil_binary

BUNDLED = os.path.join(ROOT, "data", "replay", "sigil-scenarios.jsonl.gz")


def test_training_shows_a_bar_on_a_terminal_only(tmp_path):
    args = [sigil_binary(), "train-model", "--data", BUNDLED, "--seed", "2", "--epochs", "60"]
    env = dict(os.environ, TERM="xterm")
    cmd = shlex.join(args + ["--out", str(tmp_path / "tty.safetensors")])
    # bytes, not text: Python's text mode would turn each \r into \n
    tty = subprocess.run(["script", "-q", "-e", "-c", cmd, "/dev/null"], capture_output=True, timeout=300, env=env)
    assert tty.returncode == 0, tty
    shown = tty.stdout.decode()
    assert "\r[" in shown and "% epoch " in shown and "validation loss" in shown, repr(shown[:500])
    assert "\r\x1b[K" in shown, "the bar's line is cleared at the end"
    piped = subprocess.run(args + ["--out", str(tmp_path / "pipe.safetensors")], capture_output=True, timeout=300, env=env)
    assert piped.returncode == 0, piped
    out, err = piped.stdout.decode(), piped.stderr.decode()
    assert "\r" not in out + err and "epoch" not in err, repr(err[:300])
    assert out.startswith(str(tmp_path / "pipe.safetensors") + ": logistic")
    # Same model either way: the bar changes nothing.
    assert open(tmp_path / "tty.safetensors", "rb").read() == open(tmp_path / "pipe.safetensors", "rb").read()
    dumb = subprocess.run(["script", "-q", "-e", "-c", cmd.replace("tty.safetensors", "dumb.safetensors"), "/dev/null"],
                          capture_output=True, timeout=300, env=dict(os.environ, TERM="dumb"))
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
