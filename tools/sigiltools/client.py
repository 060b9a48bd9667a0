"""Helpers to start the devnet and talk to it: used by the scenario driver and the tests."""
import json
import os
import re
import subprocess
import sys
import time
import urllib.request

from eth_account import Account
from eth_utils import to_checksum_address

# eth-tester's funded development accounts use the private keys 1, 2, 3, …
DEV_KEYS = ["0x" + (i).to_bytes(32, "big").hex() for i in range(1, 11)]


class RPCFailure(Exception):
    def __init__(self, error: dict):
        super().__init__(f"{error.get('code')}: {error.get('message')}")
        self.error = error


class Devnet:
    """Runs `python -m sigiltools.devnet` on free ports until closed."""

    def __init__(self, seed: int = 1, timeout: float = 60.0, genesis_timestamp: int = 1_700_000_000, block_time: int = 12):
        env = dict(os.environ)
        env["PYTHONPATH"] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sigiltools.devnet", "--http-port", "0", "--ws-port", "0", "--seed", str(seed),
             "--genesis-timestamp", str(genesis_timestamp), "--block-time", str(block_time)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )
        deadline = time.time() + timeout
        line = ""
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if line.startswith("devnet ready") or line == "":
                break
        m = re.search(r"http=(\S+) ws=(\S+) chainId=(\d+)", line)
        if not m:
            self.proc.kill()
            raise RuntimeError(f"devnet did not start: {line!r} {self.proc.stderr.read()[-2000:]}")
        self.http_url, self.ws_url, self.chain_id = m.group(1), m.group(2), int(m.group(3))
        self.rpc = HTTPRPC(self.http_url)

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class HTTPRPC:
    def __init__(self, url: str):
        self.url = url
        self.next_id = 1

    def raw(self, payload):
        req = urllib.request.Request(self.url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=120) as resp:
            return json.loads(resp.read())

    def call(self, method: str, *params):
        self.next_id += 1
        reply = self.raw({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": list(params)})
        if "error" in reply:
            raise RPCFailure(reply["error"])
        return reply["result"]


class Wallet:
    """Signs and sends EIP-1559 transactions for one key, tracking its nonce locally."""

    def __init__(self, rpc: HTTPRPC, key: str, chain_id: int):
        self.rpc = rpc
        self.account = Account.from_key(key)
        self.address = self.account.address
        self.chain_id = chain_id
        self.nonce = int(rpc.call("eth_getTransactionCount", self.address, "pending"), 16)

    def sign(self, to, data: str = "0x", value: int = 0, gas: int = 3_000_000, tip: int = 10**9) -> str:
        tx = {
            "type": 2, "chainId": self.chain_id, "nonce": self.nonce, "to": to_checksum_address(to) if to else None, "value": value,
            "data": data, "gas": gas, "maxFeePerGas": 100 * 10**9, "maxPriorityFeePerGas": tip,
        }
        if to is None:
            del tx["to"]
        signed = self.account.sign_transaction(tx)
        self.nonce += 1
        return "0x" + signed.raw_transaction.hex().removeprefix("0x")

    def send(self, to, data: str = "0x", value: int = 0, gas: int = 3_000_000, tip: int = 10**9, wait=True):
        tx_hash = self.rpc.call("eth_sendRawTransaction", self.sign(to, data, value, gas, tip))
        if not wait:
            return tx_hash
        receipt = self.rpc.call("eth_getTransactionReceipt", tx_hash)
        if receipt is None:
            raise RuntimeError(f"transaction {tx_hash} was not mined (automine off?)")
        if receipt["status"] != "0x1":
            raise RuntimeError(f"transaction {tx_hash} reverted")
        return receipt

    def deploy(self, bytecode: str, ctor_args: bytes = b"", gas: int = 8_000_000) -> str:
        receipt = self.send(None, bytecode + ctor_args.hex(), gas=gas)
        return receipt["contractAddress"]
