"""A replay commits thousands of events per SQLite transaction (group commit): `kill -9` in the
middle of a batch loses the batch, and the next run redoes it, so the outputs are those of an
uninterrupted run, each stored once, the JSONL level with the store."""
import os
import signal
import subprocess

from live_helpers import PATIENCE, ROOT, assert_lines_match_store, db, sigil_binary
from sigiltools.bench import config

REPLICATE_COPIES = 3


def outputs(out_dir):
    with db(out_dir) as c:
        return sorted(j for (j,) in c.execute("SELECT json FROM outputs"))


def test_kill_minus_nine_inside_a_batch_then_rerun_equals_an_uninterrupted_run(tmp_path):
    recording = str(tmp_path / "rec.jsonl.gz")
    subprocess.run([os.path.join(ROOT, ".venv", "bin", "python"), "-m", "sigiltools.replicate",
                    os.path.join(ROOT, "data", "replay", "sigil-scenarios.jsonl.gz"), "--copies", str(REPLICATE_COPIES),
                    "--out", recording], check=True, stdout=subprocess.DEVNULL,
                   env=dict(os.environ, PYTHONPATH=os.path.join(ROOT, "tools")))
    whole, cut = tmp_path / "whole", tmp_path / "cut"
    whole.mkdir()
    cut.mkdir()
    ref = subprocess.run([sigil_binary(), "run", config(str(whole), recording, plugins=True)],
                         capture_output=True, text=True, timeout=PATIENCE)
    assert ref.returncode == 0, ref.stdout + ref.stderr
    expected = outputs(whole)
    assert len(expected) > 100

    cfg = config(str(cut), recording, plugins=True)
    # Each run is killed by its own failpoint after that many items (a prime: never a batch
    # boundary), wherever the work is when it gets there, however fast the machine is.
    for _ in range(2):
        bot = subprocess.run([sigil_binary(), "run", cfg], capture_output=True, text=True, timeout=PATIENCE,
                             env=dict(os.environ, SIGIL_FAILPOINT="kill-after-items:10007"))
        assert bot.returncode == -signal.SIGKILL, bot.stdout + bot.stderr
    # Killed mid-run: some of the work is committed, not all of it.
    assert len(outputs(cut)) < len(expected)

    done = subprocess.run([sigil_binary(), "run", cfg], capture_output=True, text=True, timeout=PATIENCE)
    assert done.returncode == 0, done.stdout + done.stderr
    assert outputs(cut) == expected
    assert assert_lines_match_store(str(cut)) == len(expected)
