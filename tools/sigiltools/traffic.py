"""Live traffic for a running devnet: real Uniswap V2/V3 swaps, block after block.

    python -m sigiltools.traffic --rpc URL [--blocks N] [--swaps K] [--interval S] [--seed N]

Deploys the Uniswap V2 and V3 contracts from the pinned wheel, three V2 pairs and one V3
pool, then mines `--blocks` blocks of `--swaps` random swaps each (0: until interrupted),
sleeping `--interval` seconds between blocks. This is the "scenario driver producing live
traffic" of the README's live-node walkthrough and the load of the feed fault tests.

Prints one JSON line `{"ready": …}` once the pools exist (factories, pools, first block),
a progress line per 50 blocks on stderr, and a last JSON line `{"done": …}` with the block
range and the number of swaps sent.
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import time

from .client import HTTPRPC
from .scenarios import Driver


class _Node:
    """What Driver needs of a devnet: an RPC client and the chain id."""

    def __init__(self, url: str):
        self.rpc = HTTPRPC(url)
        self.chain_id = int(self.rpc.call("eth_chainId"), 16)


class Traffic:
    """`python -m sigiltools.traffic` against a devnet, in the background (tests, `make bench`)."""

    def __init__(self, http_url: str, *args: str):
        tools = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        env = dict(os.environ, PYTHONPATH=tools)
        self.proc = subprocess.Popen([sys.executable, "-m", "sigiltools.traffic", "--rpc", http_url, *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        line = self.proc.stdout.readline()
        if not line.startswith('{"ready"'):
            raise RuntimeError(f"traffic did not start: {line!r} {self.proc.stderr.read()[-2000:]}")
        self.ready = json.loads(line)["ready"]

    def finish(self, timeout=600) -> dict:
        out, err = self.proc.communicate(timeout=timeout)
        if self.proc.returncode != 0:
            raise RuntimeError(f"traffic failed: {err[-2000:]}")
        return json.loads(out.strip().splitlines()[-1])["done"]

    def stop(self, timeout=600) -> dict:
        """Ends a `--blocks 0` run after the block being mined; returns its `done` figures."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.finish(timeout)

    def running(self) -> bool:
        return self.proc.poll() is None


def main(argv=None):
    p = argparse.ArgumentParser(prog="traffic")
    p.add_argument("--rpc", required=True)
    p.add_argument("--blocks", type=int, default=0, help="blocks to mine; 0: until SIGINT/SIGTERM")
    p.add_argument("--swaps", type=int, default=8, help="swaps per block")
    p.add_argument("--hops", type=int, default=1, help="V2 hops per swap, 1 to 3 (a route around the three V2 pairs; a route may use a pair once)")
    p.add_argument("--interval", type=float, default=0.0, help="seconds between blocks")
    p.add_argument("--seed", type=int, default=11)
    a = p.parse_args(argv)
    if not 1 <= a.hops <= 3:
        p.error("--hops must be between 1 and 3")

    stop = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.append(True))

    d = Driver(_Node(a.rpc), a.seed)
    d.setup()
    w = d.wallets
    pools = [
        (d.v2_pool(w[0], d.wbtc, d.usdc, 1000 * 10**8, 20_000_000 * 10**6), d.wbtc, d.usdc, "v2"),
        (d.v2_pool(w[0], d.weth, d.usdc, 20_000 * 10**18, 40_000_000 * 10**6), d.weth, d.usdc, "v2"),
        (d.v2_pool(w[0], d.wbtc, d.weth, 1000 * 10**8, 10_000 * 10**18), d.wbtc, d.weth, "v2"),
    ]
    v3, _ = d.v3_pool(w[0], d.weth, d.usdc, 2000 * 1e6 / 1e18, 20_000 * 10**18, 40_000_000 * 10**6)
    pools.append((v3, d.weth, d.usdc, "v3"))
    first = int(d.rpc.call("eth_blockNumber"), 16) + 1
    print(json.dumps({"ready": {
        "factories": [d.v2_factory.address.lower(), d.v3_factory.address.lower()],
        "pools": [pl.address.lower() for pl, *_ in pools],
        "firstBlock": first,
    }}), flush=True)
    usd = {d.usdc.address: 1.0, d.wbtc.address: 20_000.0, d.weth.address: 2_000.0}
    traders = w[2:]
    swaps = 0
    n = 0
    while not stop and (a.blocks == 0 or n < a.blocks):
        for _ in range(a.swaps):
            pool, x, y, dex = pools[d.rng.randrange(len(pools))]
            tin, tout = (x, y) if d.rng.random() < 0.5 else (y, x)
            trader = traders[d.rng.randrange(len(traders))]
            amount = d.noise_amount(tin, 5_000, usd[tin.address])
            if dex == "v2" and a.hops > 1:
                # around the triangle WBTC/USDC, WETH/USDC, WBTC/WETH: each hop is one pair's Sync and Swap
                ring = [d.usdc, d.wbtc, d.weth]
                start = d.rng.randrange(3)
                path = [ring[(start + k) % 3].address for k in range(a.hops + 1)]
                amount = d.noise_amount(ring[start], 5_000, usd[ring[start].address])
                d.send(trader, d.v2_router.address, d.v2_router.data(
                    "swapExactTokensForTokens", amount, 0, path, trader.address, 2**40), gas=150_000 * a.hops + 100_000)
            elif dex == "v2":
                d.v2_swap(trader, tin, tout, amount)
            else:
                d.v3_swap(trader, tin, tout, amount)
            swaps += 1
        d.mine()
        n += 1
        if n % 50 == 0:
            print(f"traffic: {n} blocks, {swaps} swaps", file=sys.stderr, flush=True)
        if a.interval:
            time.sleep(a.interval)
    last = int(d.rpc.call("eth_blockNumber"), 16)
    print(json.dumps({"done": {"firstBlock": first, "lastBlock": last, "swaps": swaps, "blocks": n}}), flush=True)


if __name__ == "__main__":
    main()
