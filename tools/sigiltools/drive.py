"""Small bursts of devnet traffic for tests of other languages' clients.

    python -m sigiltools.drive --rpc URL transfers --count N
    python -m sigiltools.drive --rpc URL publish '[[model, hash, uri, contributor], …]'

`transfers` deploys a Token and sends N transfers, one block each; prints {"token", "txs",
"blocks"}. `publish` deploys a ModelRegistry and publishes the entries; prints {"registry",
"publisher", "logs"}.
"""
import argparse
import json

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


def publish(rpc: HTTPRPC, entries: list) -> dict:
    """Deploys a ModelRegistry, authorises account 2 as publisher and publishes `entries`
    ([model id hex, weights hash hex, uri, contributor]); returns the registry and its logs."""
    chain_id = int(rpc.call("eth_chainId"), 16)
    owner = Wallet(rpc, DEV_KEYS[0], chain_id)
    publisher = Wallet(rpc, DEV_KEYS[1], chain_id)
    art = contracts.load("ModelRegistry")
    registry = owner.deploy(art["bytecode"])
    sel = lambda sig: "0x" + function_signature_to_4byte_selector(sig).hex()  # noqa: E731
    owner.send(registry, sel("setPublisher(address,bool)") + encode(["address", "bool"], [publisher.address, True]).hex())
    for model, weights, uri, contributor in entries:
        publisher.send(registry, sel("publish(bytes32,bytes32,string,address)") + encode(
            ["bytes32", "bytes32", "string", "address"], [bytes.fromhex(model[2:]), bytes.fromhex(weights[2:]), uri, contributor]).hex())
    logs = rpc.call("eth_getLogs", {"fromBlock": "0x0", "toBlock": "latest", "address": registry})
    return {"registry": registry.lower(), "publisher": publisher.address.lower(), "logs": logs}


def main(argv=None):
    p = argparse.ArgumentParser(prog="drive")
    p.add_argument("--rpc", required=True)
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("transfers")
    t.add_argument("--count", type=int, default=3)
    pub = sub.add_parser("publish")
    pub.add_argument("entries", help="JSON list of [model id, weights hash, uri, contributor]")
    a = p.parse_args(argv)
    if a.cmd == "transfers":
        print(json.dumps(transfers(HTTPRPC(a.rpc), a.count)))
    else:
        print(json.dumps(publish(HTTPRPC(a.rpc), json.loads(a.entries))))


if __name__ == "__main__":
    main()
