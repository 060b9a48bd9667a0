"""Small bursts of devnet traffic for tests of other languages' clients.

    python -m sigiltools.drive --rpc URL transfers --count N
    python -m sigiltools.drive --rpc URL publish '[[model, hash, uri, contributor], …]'
    python -m sigiltools.drive --rpc URL honeypots [--buyers N] [--tax-bps B]

`transfers` deploys a Token and sends N transfers, one block each; prints {"token", "txs",
"blocks"}. `publish` deploys a ModelRegistry and publishes the entries; prints {"registry",
"publisher", "logs"}. `honeypots` deploys Uniswap V2 (real bytecode) and three tokens each in a
V2 pair with WETH: a plain Token, a TaxToken taking `--tax-bps` of every sell, and an armed
HoneypotToken; then N accounts buy each token, one buyer per block, and nobody sells; prints
{"weth", "factory", "owner", "pairs": {plain, tax, honeypot}, "tokens": {…}, "first_block",
"armed_block" (the block that set the tax and armed the trap), "last_block"}.
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


def honeypots(url: str, buyers: int, tax_bps: int) -> dict:
    from .scenarios import Driver
    from .traffic import _Node

    d = Driver(_Node(url), seed=7)
    first = int(d.rpc.call("eth_blockNumber"), 16) + 1
    d.setup()
    owner = d.wallets[5]
    plain = d.new_token(owner, "Plain", "PLAIN", 18, 10**9 * 10**18)
    tax = d.new_token(owner, "Taxed", "TAXED", 18, 10**9 * 10**18, kind="TaxToken")
    honey = d.new_token(owner, "Honey Pot", "HONEY", 18, 10**9 * 10**18, kind="HoneypotToken")
    pairs = {}
    for name, token in (("plain", plain), ("tax", tax), ("honeypot", honey)):
        d.approve_all(owner, token)
        d.mine()
        pairs[name] = d.v2_pool(owner, token, d.weth, 300_000_000 * 10**18, 40 * 10**18).address
    d.send(owner, tax.address, tax.data("setSellTax", pairs["tax"], tax_bps), gas=100_000)
    d.send(owner, honey.address, honey.data("setPool", pairs["honeypot"]), gas=100_000)
    armed = d.mine()["number"]
    takers = d.wallets[1:5] + d.wallets[6:]
    if not 1 <= buyers <= len(takers):
        raise SystemExit(f"--buyers must be between 1 and {len(takers)}")
    for wallet in takers[:buyers]:
        for token in (plain, tax, honey):
            d.v2_swap(wallet, d.weth, token, 10**17)
        d.mine()
    return {"weth": d.weth.address.lower(), "factory": d.v2_factory.address.lower(), "owner": owner.address.lower(),
            "pairs": {k: v.lower() for k, v in pairs.items()},
            "tokens": {"plain": plain.address.lower(), "tax": tax.address.lower(), "honeypot": honey.address.lower()},
            "first_block": first, "armed_block": armed, "last_block": int(d.rpc.call("eth_blockNumber"), 16)}


def main(argv=None):
    p = argparse.ArgumentParser(prog="drive")
    p.add_argument("--rpc", required=True)
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("transfers")
    t.add_argument("--count", type=int, default=3)
    pub = sub.add_parser("publish")
    pub.add_argument("entries", help="JSON list of [model id, weights hash, uri, contributor]")
    hp = sub.add_parser("honeypots")
    hp.add_argument("--buyers", type=int, default=6)
    hp.add_argument("--tax-bps", type=int, default=3000)
    a = p.parse_args(argv)
    if a.cmd == "transfers":
        print(json.dumps(transfers(HTTPRPC(a.rpc), a.count)))
    elif a.cmd == "honeypots":
        print(json.dumps(honeypots(a.rpc, a.buyers, a.tax_bps)))
    else:
        print(json.dumps(publish(HTTPRPC(a.rpc), json.loads(a.entries))))


if __name__ == "__main__":
    main()
