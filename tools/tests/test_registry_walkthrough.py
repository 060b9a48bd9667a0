"""The README's registry walkthrough, run through the `sigil` binary on the devnet: keys imported
into keystores, a ModelRegistry deployed, a publisher authorised, the bundled model published and
verified, a bot following `latest` with examples/registry-follow.yaml, a newly trained version
published and picked up by that bot, and the publisher revoked. Each refusal on the way (a
publisher not yet authorised, a non-owner authorising, a uri whose file differs, the wrong chain,
a key file others can read) is checked to fail with its reason and to send nothing."""
import json
import os
import re
import subprocess

from sigiltools.client import DEV_KEYS, Devnet
from live_helpers import eventually, PATIENCE, ROOT, Bot, sigil_binary

MODEL = "sigil/model-signal"
BUNDLED_MODEL = os.path.join(ROOT, "models", "model-signal-logistic.safetensors")
RECORDING = os.path.join(ROOT, "data", "replay", "sigil-scenarios.jsonl.gz")


def private(path, text):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o600)


def sigil(*args, env=None):
    return subprocess.run([sigil_binary(), *args], capture_output=True, text=True, timeout=PATIENCE, env=env)


def ok(*args, env=None):
    r = sigil(*args, env=env)
    assert r.returncode == 0, f"sigil {' '.join(args)}: exit {r.returncode}\n{r.stdout}\n{r.stderr}"
    return r.stdout


def nonce(node, address):
    return int(node.rpc.call("eth_getTransactionCount", address, "latest"), 16)


def test_registry_walkthrough_on_the_devnet(tmp_path):
    with Devnet(seed=23) as node:
        rpc = ["--rpc", node.http_url]
        pw = str(tmp_path / "pw")
        private(pw, "walkthrough password\n")

        # Keys: the devnet's first two accounts, imported from 0600 files into keystores.
        with open(tmp_path / "loose.key", "w") as f:
            f.write(DEV_KEYS[0] + "\n")
        os.chmod(tmp_path / "loose.key", 0o644)
        loose = sigil("key", "import", "--keystore", str(tmp_path / "loose.json"), "--private-key-file", str(tmp_path / "loose.key"),
                      "--kdf", "light", "--password-file", pw)
        assert loose.returncode == 1 and "chmod 600" in loose.stderr and not os.path.exists(tmp_path / "loose.json"), loose
        assert DEV_KEYS[0][2:] not in loose.stdout + loose.stderr
        accounts = {}
        for name, key in (("owner", DEV_KEYS[0]), ("publisher", DEV_KEYS[1])):
            private(str(tmp_path / f"{name}.key"), key + "\n")
            out = ok("key", "import", "--keystore", str(tmp_path / f"{name}.json"), "--private-key-file", str(tmp_path / f"{name}.key"),
                     "--kdf", "light", "--password-file", pw)
            assert key[2:] not in out
            accounts[name] = out.split()[0]
        owner_ks = ["--keystore", str(tmp_path / "owner.json"), "--password-file", pw]
        publisher_ks = ["--keystore", str(tmp_path / "publisher.json"), "--password-file", pw]

        wrong_chain = sigil("registry", "deploy", *rpc, *owner_ks, "--chain-id", "1")
        assert wrong_chain.returncode == 2 and "not 1; nothing was signed" in wrong_chain.stderr, wrong_chain
        assert nonce(node, accounts["owner"]) == 0

        out = ok("registry", "deploy", *rpc, *owner_ks, "--chain-id", str(node.chain_id))
        m = re.search(r"ModelRegistry deployed at (0x[0-9a-f]{40})\n  owner (0x[0-9a-f]{40}), transaction 0x[0-9a-f]{64}, block \d+", out)
        assert m and m.group(2) == accounts["owner"], out
        registry = m.group(1)
        reg = ["--registry", registry]
        assert node.rpc.call("eth_getCode", registry, "latest") != "0x"

        # The publisher is not authorised yet: refused at the estimate, nothing sent.
        uri = "file://" + BUNDLED_MODEL
        early = sigil("registry", "publish", MODEL, BUNDLED_MODEL, "--uri", uri, *reg, *rpc, *publisher_ks)
        assert early.returncode == 1 and "not publisher" in early.stderr, early
        assert nonce(node, accounts["publisher"]) == 0
        # Only the owner authorises.
        usurper = sigil("registry", "authorize", accounts["publisher"], *reg, *rpc, *publisher_ks)
        assert usurper.returncode == 1 and "not owner" in usurper.stderr, usurper
        out = ok("registry", "authorize", accounts["publisher"], *reg, *rpc, *owner_ks)
        assert out.startswith(f"{accounts['publisher']} may now publish to {registry}\n  transaction 0x"), out

        out = ok("registry", "publish", MODEL, BUNDLED_MODEL, "--uri", uri, *reg, *rpc, *publisher_ks)
        digest = ok("verify-model", BUNDLED_MODEL, "--model", MODEL, "--version", "1", *reg, *rpc)
        assert digest.startswith("MATCH"), digest
        assert out.startswith(f"{MODEL} version 1 published to {registry}\n  sha256 0x"), out
        assert f"publisher {accounts['publisher']}, contributor {accounts['publisher']}" in out, out
        # A uri naming a local file with other bytes would be refused by every bot: not published.
        other = str(tmp_path / "other.safetensors")
        with open(BUNDLED_MODEL, "rb") as src, open(other, "wb") as dst:
            dst.write(src.read()[:-1] + b" ")
        mismatched = sigil("registry", "publish", MODEL, BUNDLED_MODEL, "--uri", "file://" + other, *reg, *rpc, *publisher_ks)
        assert mismatched.returncode == 2 and "bots would refuse it" in mismatched.stderr, mismatched
        shown = ok("registry", "show", MODEL, *reg, *rpc)
        assert "version 1 (latest)\n  sha256 0x" in shown and "version 2" not in shown, shown

        # A bot following `latest`, configured by the example file with the devnet's endpoints.
        env = dict(os.environ, SIGIL_RPC_URL=node.http_url, SIGIL_WS_URL=node.ws_url, SIGIL_REGISTRY=registry)
        with open(os.path.join(ROOT, "examples", "registry-follow.yaml")) as f:
            config = f.read().replace("../models/", ROOT + "/models/").replace("../out/registry-follow", str(tmp_path / "out"))
        private(str(tmp_path / "follow.yaml"), config)
        listed = sigil("models", "list", str(tmp_path / "follow.yaml"), env=env)
        assert listed.returncode == 0 and f"{MODEL}: MATCH, version 1, newest registered 1, following latest" in listed.stdout, listed
        bot = Bot(str(tmp_path / "follow.yaml"), env=env)
        try:
            bot.wait_ready()
            # A new version: trained on the bundled recording with another seed, then published.
            v2 = str(tmp_path / "model-signal-v2.safetensors")
            ok("train-model", "--data", RECORDING, "--seed", "2", "--out", v2)
            out = ok("registry", "publish", MODEL, v2, "--uri", "file://" + v2, *reg, *rpc, *publisher_ks)
            assert out.startswith(f"{MODEL} version 2 published to {registry}"), out
            eventually(lambda: any("now version 2" in l for _, l in bot.out), "the bot saying so", alive=bot.proc)
            swapped = [l for _, l in bot.out if "now version 2" in l]
            assert swapped and accounts["publisher"] in swapped[0], bot.text()
            assert ok("verify-model", v2, "--model", MODEL, *reg, *rpc).startswith("MATCH")
            # The bot's configured file is now behind the registry's latest.
            behind = sigil("models", "list", str(tmp_path / "follow.yaml"), env=env)
            assert behind.returncode == 1 and f"{MODEL}: MISMATCH, version 2, newest registered 2, following latest" in behind.stdout, behind
        finally:
            assert bot.stop() == 0, bot.text()

        # Revoked: the publisher's versions stay, its next one is refused.
        out = ok("registry", "revoke", accounts["publisher"], *reg, *rpc, *owner_ks)
        assert out.startswith(f"{accounts['publisher']} may no longer publish to {registry}"), out
        sent = nonce(node, accounts["publisher"])
        late = sigil("registry", "publish", MODEL, v2, "--uri", "file://" + v2, *reg, *rpc, *publisher_ks)
        assert late.returncode == 1 and "not publisher" in late.stderr, late
        assert nonce(node, accounts["publisher"]) == sent
        shown = ok("registry", "show", MODEL, *reg, *rpc)
        assert "version 1\n" in shown and "version 2 (latest)" in shown, shown
        for secret in DEV_KEYS[:2]:
            assert secret[2:] not in json.dumps([bot.text(), shown])
