"""The third job end to end, every part real and run through the `sigil` binary: a live bot
follows a model at `version: latest` on the devnet's ModelRegistry; a contributor fine-tunes that
model and submits the signed update to a running coordinator; the coordinator scores it on its
held-out data, accepts it and publishes it on-chain with an EIP-1559 transaction; the bot
verifies the new weights and swaps them in between two events, and its outputs name the new
version — with no event lost or processed twice."""
import json
import os
import re
import subprocess

import numpy as np
from eth_account import Account
from eth_utils import keccak
from safetensors import safe_open
from safetensors.numpy import save_file

from eth_abi import encode
from eth_utils import function_signature_to_4byte_selector

from sigiltools.client import DEV_KEYS, Devnet, Wallet
from sigiltools.drive import publish
from live_helpers import eventually, PATIENCE, ROOT, Bot, Traffic, db, ground_truth, sigil_binary, wait_checkpoint

BUNDLED = os.path.join(ROOT, "data", "replay", "sigil-scenarios.jsonl.gz")
MODEL = "sigil/e2e"


def weakened(src: str, dst: str, k: float):
    with safe_open(src, "np") as f:
        tensors = {name: (f.get_tensor(name) * k).astype(np.float32) for name in f.keys()}
        meta = f.metadata()
    save_file(tensors, dst, metadata=meta)


def sha256(path: str) -> str:
    import hashlib
    return "0x" + hashlib.sha256(open(path, "rb").read()).hexdigest()


def private(path, text):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o600)


def run(*args, check=True):
    r = subprocess.run([sigil_binary(), *args], capture_output=True, text=True, timeout=PATIENCE)
    if check and r.returncode != 0:
        raise AssertionError(f"sigil {' '.join(args)}: exit {r.returncode}\n{r.stdout}\n{r.stderr}")
    return r


def test_finetune_submit_accept_publish_and_a_running_bot_swaps(tmp_path):
    with Devnet(seed=41) as node:
        base = str(tmp_path / "base.safetensors")
        weakened(os.path.join(ROOT, "models", "model-signal-logistic.safetensors"), base, 0.5)
        model_id = "0x" + keccak(text=MODEL).hex()
        contributor0 = "0x" + "00" * 20
        reg = publish(node.rpc, [[model_id, sha256(base), "file://" + base, contributor0]])
        registry, publisher = reg["registry"], reg["publisher"]

        # The coordinator publishes with account 2's key (the registry's authorised publisher).
        pw = str(tmp_path / "pw")
        private(pw, "correct horse")
        ks = Account.encrypt(bytes.fromhex(DEV_KEYS[1][2:]), "correct horse", kdf="pbkdf2", iterations=1000)
        private(str(tmp_path / "publisher.json"), json.dumps(ks))
        private(str(tmp_path / "coordinator.yaml"), "\n".join([
            "listen: {host: 127.0.0.1, port: 0}",
            f"registry: {{rpc: \"{node.http_url}\", address: \"{registry}\"}}",
            f"held_out: [\"{BUNDLED}\"]",
            "epsilon: 0.002",
            "reward_per_update: 100",
            f"ledger: {tmp_path}/ledger.sqlite",
            f"publish: {{keystore: {tmp_path}/publisher.json, password_file: {pw}, directory: {tmp_path}/published}}",
        ]) + "\n")
        coord = subprocess.Popen([sigil_binary(), "coordinator", "serve", "--config", str(tmp_path / "coordinator.yaml")],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        bot = None
        try:
            line = coord.stdout.readline()
            m = re.search(r"listening on (http://\S+)", line)
            assert m, f"coordinator did not start: {line!r} {coord.stderr.read() if coord.poll() is not None else ''}"
            coordinator_url = m.group(1)

            out = str(tmp_path / "out")
            private(str(tmp_path / "bot.yaml"), "\n".join([
                "feeds:", "  - {name: devnet, kind: ethereum, url: \"%s\", from_block: 0, silence_timeout: 2, request_timeout: 2}" % node.ws_url,
                # the subscription wakes the follower; the slow periodic read would take a minute
                f"registry: {{rpc: \"{node.http_url}\", address: \"{registry}\", subscribe: \"{node.ws_url}\", follow_interval: 60}}",
                "models:", f"  - {{id: {MODEL}, file: {base}, version: latest}}",
                "strategies:", f"  - {{name: signals, plugin: model-signal, models: {{signal: {MODEL}}}, params: {{threshold: 0.52, cooldown_blocks: 1}}}}",
                "outputs:", f"  jsonl: {out}/outputs.jsonl", f"  sqlite: {out}/sigil.sqlite",
            ]) + "\n")
            bot = Bot(str(tmp_path / "bot.yaml"))
            bot.wait_ready()
            Traffic(node.http_url, "--blocks", "12", "--swaps", "8", "--hops", "2").finish()

            # The contributor: a key, a fine-tuned update, a submission.
            run("key", "new", "--keystore", str(tmp_path / "alice.json"), "--kdf", "light", "--password-file", pw)
            alice = run("key", "address", "--keystore", str(tmp_path / "alice.json"), "--password-file", pw).stdout.strip()
            ft = run("contribute", "finetune", "--model", MODEL, "--base", base, "--data", BUNDLED, "--out", str(tmp_path / "pkg"),
                     "--keystore", str(tmp_path / "alice.json"), "--password-file", pw, "--rpc", node.http_url, "--registry", registry,
                     "--epochs", "40", "--seed", "2")
            assert "signed by " + alice in ft.stdout, ft.stdout
            # eth-account recovers the package's EIP-191 signature to the same contributor.
            from eth_account.messages import encode_defunct
            manifest = open(tmp_path / "pkg" / "manifest.json", "rb").read()
            signature = open(tmp_path / "pkg" / "manifest.sig").read().strip()
            assert Account.recover_message(encode_defunct(primitive=manifest), signature=signature).lower() == alice
            node.rpc.call("sigil_setAutomine", True)  # the traffic driver mines by hand; the publish transaction needs a block
            submitted_at_block = int(node.rpc.call("eth_blockNumber"), 16)
            sub = run("contribute", "submit", str(tmp_path / "pkg"), "--coordinator", coordinator_url,
                      "--keystore", str(tmp_path / "alice.json"), "--password-file", pw)
            assert " accepted " in sub.stdout and "published as version 2" in sub.stdout, sub.stdout

            # The bot sees version 2 on-chain, verifies it, swaps it in.
            eventually(lambda: any("now version 2" in l for _, l in bot.out), "the bot saying so", alive=bot.proc)
            swap = [l for _, l in bot.out if "now version 2" in l]
            assert swap and alice in swap[0], bot.text()
            swapped_at_block = int(node.rpc.call("eth_blockNumber"), 16)

            # A version whose weights do not match their registered hash is refused; version 2 keeps running.
            publisher_wallet = Wallet(node.rpc, DEV_KEYS[1], node.chain_id)
            sel = "0x" + function_signature_to_4byte_selector("publish(bytes32,bytes32,string,address)").hex()
            publisher_wallet.send(registry, sel + encode(["bytes32", "bytes32", "string", "address"],
                                                         [bytes.fromhex(model_id[2:]), b"\x42" * 32, "file://" + base, contributor0]).hex())
            eventually(lambda: any("version 3 REFUSED" in l for _, l in bot.out), "the bot saying so", alive=bot.proc)
            assert any("version 3 REFUSED, version 2 keeps running" in l for _, l in bot.out), bot.text()

            Traffic(node.http_url, "--blocks", "12", "--swaps", "8", "--hops", "2", "--seed", "5").finish()
            last = int(node.rpc.call("eth_blockNumber"), 16)
            node.rpc.call("sigil_mine", 1)
            wait_checkpoint(out, last, bot)
            assert bot.stop() == 0, bot.text()

            status = run("contribute", "status", "--coordinator", coordinator_url, "--contributor", alice).stdout
            assert "accepted" in status and "1 accepted" in status, status
        finally:
            if bot:
                bot.stop()
            coord.terminate()
            coord.wait(PATIENCE)

        signals = [json.loads(l) for l in open(os.path.join(out, "outputs.jsonl")) if '"type":"signal"' in l]
        before = [s for s in signals if s["event"]["blockNumber"] <= submitted_at_block]
        after = [s for s in signals if s["event"]["blockNumber"] > swapped_at_block]
        assert all(s["signal"]["model"]["version"] == 1 for s in before)
        assert after and all(s["signal"]["model"]["version"] == 2 for s in after), f"{len(after)} signals after the swap"
        assert all(s["signal"]["model"]["weightsHash"] != sha256(base) for s in after)
        alerts = [json.loads(l) for l in open(os.path.join(out, "outputs.jsonl")) if "SIGIL-MODEL-UPDATE-REFUSED" in l]
        assert len(alerts) == 1 and alerts[0]["alert"]["metadata"]["version"] == "3", alerts
        with db(out) as c:
            got = sorted(c.execute("SELECT block_hash, log_index FROM events WHERE retracted = 0").fetchall())
        assert got == sorted(ground_truth(node.rpc, 0, last)), "an event was lost or processed twice across the swap"
        assert publisher != alice
