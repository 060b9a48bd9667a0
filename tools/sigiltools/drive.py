"""Small bursts of devnet traffic for tests of other languages' clients.

    python -m sigiltools.drive --rpc URL transfers --count N

deploys a Token and sends N transfers, one block each; prints {"token", "txs", "blocks"}.
"""
import argparse
import json
import urllib.request  # noqa: F401  (HTTPRPC uses it)

from eth_abi import encode
from eth_utils import function_signature_to_4byte_selector

from . import contracts
from .client import DEV_KEYS, HTTPRPC, Wallet


def transfers(rpc: HTTPRPC, count: int) -> dict:
    chain_id = int(rpc.call("eth_chainId"), 16)
    w = Wallet(rpc, DEV_KEYS[0], chain_id)
    token = w.deploy(contracts.load("Token")["bytecode"], encode(["string", "string", "uint8", "uint256"], ["T", "T", 18, 10**24]))
    sel = "0x" + function_signature_to_4byte_selector("transfer(address,uint256)").hex()
    txs, blocks = [], []
    for i in range(count):
        r = w.send(token, sel + encode(["address", "uint256"], ["0x" + "22" * 20, i + 1]).hex())
        txs.append(r["transactionHash"])
        blocks.append(int(r["blockNumber"], 16))
    return {"token": token.lower(), "txs": txs, "blocks": blocks}


def main(argv=None):
    p = argparse.ArgumentParser(prog="drive")
    p.add_argument("--rpc", required=True)
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("transfers")
    t.add_argument("--count", type=int, default=3)
    a = p.parse_args(argv)
    print(json.dumps(transfers(HTTPRPC(a.rpc), a.count)))


if __name__ == "__main__":
    main()
