"""`make scenario-sets`: labelled scenario sets for tuning and for reporting detection quality.

    python -m sigiltools.scenario_sets --set tuning|reporting [--out DIR] [--steps N]

Two sets, generated on the real Uniswap V2/V3 bytecode like the bundled recording, but each
from its own seed and its own parameter ranges (PROFILES below): trade sizes, timings, number
of victims, ring sizes, holder shares, tax rates. Detectors are tuned on `tuning`; their
figures are reported on `reporting`, which is never used to choose a parameter.

Both sets have richer background flow than the bundled recording, so that hard negatives are
common: an arbitrageur keeping four pools at the real price, noise traders on every pool and
on multi-hop routes, two market makers with balanced flow, a liquidity provider adding and
trimming, just-in-time liquidity around large swaps, cross-pool arbitrage, same-block round
trips, ordinary launches, tax tokens with a modest rate and holders selling a little at a time.

The recorder also subscribes to every ERC-20 `Transfer` (the evidence of fundings, taxes and
holder shares). labels.json lists every scenario, fraud and hard negative alike, with the
account responsible for each fraud (`responsible`) and the kinds of fraud a hard negative
resembles (`resembles`).
"""
import argparse
import math
import random
import time

from eth_utils import keccak

from . import contracts, prices
from .client import Devnet, Wallet
from .progress import Progress
from .scenarios import (BLOCK_TIME, DEADLINE, GENESIS_TIMESTAMP, MAX, START, TOPICS, Contract, Driver, Recorder,
                        _is_head, balance, full_range, write_outputs)

TRANSFER_TOPIC = "0x" + keccak(text="Transfer(address,address,uint256)").hex()
SET_TOPICS = dict(TOPICS, **{"erc20.transfer": TRANSFER_TOPIC})

# Parameter ranges per set. The reporting set's ranges are wider and shifted: values the
# detectors were never tuned on.
PROFILES = {
    "tuning": {
        "seed": 1101, "steps": 420, "counts": {
            "sandwich": 8, "rug_pull": 5, "honeypot": 4, "wash_trading": 4, "holder_dump": 4,
            "round_trip": 3, "around_other_pool": 3, "cross_pool_arbitrage": 3, "jit_liquidity": 3,
            "legit_launch": 3, "tax_token": 2, "holder_sale": 3},
        "victims": (1, 2), "front_usd": (150_000, 300_000), "victim_usd": (30_000, 80_000),
        "rug_share": (0.75, 0.95), "rug_delay": (12, 30), "launch_buyers": (6, 10),
        "wash_ring": (1, 2), "wash_cycles": (10, 16), "wash_eth": (1.0, 3.0),
        "dump_share": (0.25, 0.40), "dump_blocks": (1, 3), "dump_sold": (0.8, 1.0),
        "tax_bps": (9_000, 9_900), "legit_tax_bps": (200, 500), "trim_share": (0.05, 0.20),
        "sale_share": (0.05, 0.15),
    },
    "reporting": {
        "seed": 2207, "steps": 480, "counts": {
            "sandwich": 12, "rug_pull": 6, "honeypot": 5, "wash_trading": 5, "holder_dump": 5,
            "round_trip": 4, "around_other_pool": 4, "cross_pool_arbitrage": 4, "jit_liquidity": 4,
            "legit_launch": 4, "tax_token": 3, "holder_sale": 4,
            # Sandwiches run by a searcher's own contract: never in the tuning set.
            "bot_sandwich": 4},
        "victims": (1, 4), "front_usd": (80_000, 500_000), "victim_usd": (15_000, 120_000),
        "rug_share": (0.60, 0.99), "rug_delay": (6, 40), "launch_buyers": (5, 14),
        "wash_ring": (1, 4), "wash_cycles": (8, 20), "wash_eth": (0.5, 5.0),
        "dump_share": (0.15, 0.60), "dump_blocks": (1, 5), "dump_sold": (0.7, 1.0),
        "tax_bps": (8_000, 10_000), "legit_tax_bps": (100, 800), "trim_share": (0.03, 0.30),
        "sale_share": (0.03, 0.20),
    },
}
# Ordinary flow only: every legitimate look-alike (at the widest ranges), no fraud, on later
# price hours than any other recording (`offset` hourly bars after the start). What
# `anomaly-model` learns "normal" from; never scored against.
PROFILES["clean"] = dict(PROFILES["tuning"], seed=3301, steps=300, offset=1_300, counts={
    "round_trip": 3, "around_other_pool": 3, "cross_pool_arbitrage": 3, "jit_liquidity": 3,
    "legit_launch": 3, "tax_token": 2, "holder_sale": 3},
    legit_tax_bps=(100, 800), trim_share=(0.03, 0.30), sale_share=(0.03, 0.20))


class SetDriver(Driver):
    """The bundled recording's driver, with accounts made on demand and more pools."""

    def __init__(self, devnet: Devnet, seed: int, profile: dict):
        super().__init__(devnet, seed)
        self.p = profile
        self.made = 0
        self.schedule: dict = {}
        self.current_step = 0

    def account(self, eth=2_000, weth=500, stables=True) -> Wallet:
        """A fresh funded account: ETH, WETH, and (with `stables`) USDC and WBTC, all approved."""
        self.made += 1
        key = "0x" + keccak(text=f"sigil-scenario-set-{self.p['seed']}-{self.made}").hex()
        w = Wallet(self.rpc, key, self.d.chain_id)
        self.send(self.deployer, w.address, value=max(eth, weth + 10) * 10**18, gas=21_000)
        self.send(w, self.weth.address, self.weth.data("deposit"), value=weth * 10**18, gas=100_000)
        if stables:
            self.send(self.deployer, self.usdc.address, self.usdc.data("transfer", w.address, 5 * 10**6 * 10**6), gas=100_000)
            self.send(self.deployer, self.wbtc.address, self.wbtc.data("transfer", w.address, 1_000 * 10**8), gas=100_000)
            for tok in (self.usdc, self.wbtc):
                self.approve_all(w, tok)
        self.approve_all(w, self.weth)
        self.mine()  # the node re-applies its pending block on every send: keep it short
        return w

    def approve_router(self, wallet, token):
        self.send(wallet, token.address, token.data("approve", self.v2_router.address, MAX), gas=100_000)

    def v2_route(self, wallet, path: list, amount_in: int) -> str:
        return self.send(wallet, self.v2_router.address, self.v2_router.data(
            "swapExactTokensForTokens", amount_in, 0, [t.address for t in path], wallet.address, DEADLINE), gas=700_000)

    def v2_sell_taxed(self, wallet, token, amount_in: int) -> str:
        return self.send(wallet, self.v2_router.address, self.v2_router.data(
            "swapExactTokensForTokensSupportingFeeOnTransferTokens", amount_in, 0, [token.address, self.weth.address],
            wallet.address, DEADLINE), gas=500_000)

    def later(self, offset: int, fn):
        self.schedule.setdefault(self.current_step + offset, []).append(fn)

    def uniform(self, key):
        lo, hi = self.p[key]
        return self.rng.uniform(lo, hi)

    def randint(self, key):
        lo, hi = self.p[key]
        return self.rng.randint(lo, hi)


# -- the market ---------------------------------------------------------------------------------

class Market:
    """Four pools kept at the real price, and the accounts trading them."""

    def __init__(self, d: SetDriver, btc: float, eth: float):
        w = d.wallets
        self.d = d
        self.btc_pool = d.v2_pool(w[0], d.wbtc, d.usdc, 1000 * 10**8, int(1000 * btc) * 10**6, scenario="market")
        self.eth_pool, _ = d.v3_pool(w[0], d.weth, d.usdc, eth * 1e6 / 1e18, 20_000 * 10**18, int(20_000 * eth) * 10**6, scenario="market")
        self.eth_v2 = d.v2_pool(w[0], d.weth, d.usdc, 10_000 * 10**18, int(10_000 * eth) * 10**6, scenario="market")
        self.btc_eth = d.v2_pool(w[0], d.wbtc, d.weth, 500 * 10**8, int(500 * btc / eth * 10**18), scenario="market")
        self.noise = d.noise + [d.account(weth=20_000) for _ in range(5)]
        self.retail = [d.account(weth=2_000) for _ in range(24)]
        self.searchers = [d.account(weth=20_000) for _ in range(3)]
        self.makers = [d.account(weth=3_000) for _ in range(2)]
        self.maker_inventory = {m.address: 0 for m in self.makers}
        self.bots: dict = {}
        self.lp = d.account(weth=5_000)
        self.jit = d.account(weth=8_000)
        self.arb2 = d.account()
        self.lp_shares = 0
        self.retail_turn = 0
        d.mine()
        d.label("market_maker", resembles=["wash_trading"], pool=self.eth_v2.address.lower(),
                addresses=[m.address.lower() for m in self.makers], txs=[])

    def bot_of(self, owner: Wallet) -> Contract:
        """The searcher's SandwichBot, deployed and funded (USDC, WBTC, WETH) on first use."""
        if owner.address not in self.bots:
            d = self.d
            art = contracts.load("SandwichBot")
            bot = Contract(art["abi"], d.deploy(owner, art["bytecode"]))
            for token, amount in ((d.usdc, 2 * 10**6 * 10**6), (d.wbtc, 200 * 10**8), (d.weth, 3_000 * 10**18)):
                d.send(owner, token.address, token.data("transfer", bot.address, amount), gas=100_000)
            d.mine()
            self.bots[owner.address] = bot
        return self.bots[owner.address]

    def next_retail(self) -> Wallet:
        self.retail_turn += 1
        return self.retail[self.retail_turn % len(self.retail)]

    def quote(self, token, usd, price):
        return int(usd / price * 10 ** self.d.tokens[token.address]["decimals"])

    def step(self, btc: float, eth: float, i: int):
        d = self.d
        d.v2_arb_to(self.btc_pool, d.wbtc, d.usdc, btc)
        d.v3_arb_to(self.eth_pool, d.weth, d.usdc, eth)
        d.v2_arb_to(self.eth_v2, d.weth, d.usdc, eth)
        d.v2_arb_to(self.btc_eth, d.wbtc, d.weth, btc / eth)
        for trader in self.noise:
            r = d.rng.random()
            if r < 0.12:
                d.v2_swap(trader, d.usdc, d.wbtc, d.noise_amount(d.usdc, 20_000, 1.0))
            elif r < 0.24:
                d.v2_swap(trader, d.wbtc, d.usdc, d.noise_amount(d.wbtc, 20_000, btc))
            elif r < 0.32:
                d.v3_swap(trader, d.usdc, d.weth, d.noise_amount(d.usdc, 15_000, 1.0))
            elif r < 0.40:
                d.v3_swap(trader, d.weth, d.usdc, d.noise_amount(d.weth, 15_000, eth))
            elif r < 0.46:
                d.v2_swap(trader, d.usdc, d.weth, d.noise_amount(d.usdc, 10_000, 1.0))
            elif r < 0.52:
                d.v2_swap(trader, d.weth, d.usdc, d.noise_amount(d.weth, 10_000, eth))
            elif r < 0.57:  # multi-hop routes through two pools
                d.v2_route(trader, [d.usdc, d.weth, d.wbtc], d.noise_amount(d.usdc, 12_000, 1.0))
            elif r < 0.62:
                d.v2_route(trader, [d.wbtc, d.weth, d.usdc], d.noise_amount(d.wbtc, 12_000, btc))
        # Market makers: both ways with sizes of their own, leaning against their inventory.
        for m in self.makers:
            if d.rng.random() < 0.5:
                inv = self.maker_inventory[m.address]
                sell = inv > 0 if abs(inv) > 30_000 else d.rng.random() < 0.5
                usd = d.rng.uniform(5_000, 40_000)
                if sell:
                    d.v2_swap(m, d.weth, d.usdc, self.quote(d.weth, usd, eth))
                    self.maker_inventory[m.address] -= usd
                else:
                    d.v2_swap(m, d.usdc, d.weth, int(usd * 10**6))
                    self.maker_inventory[m.address] += usd
        # The liquidity provider adds, or trims a small share of what it holds.
        if i % 37 == 5:
            if self.lp_shares == 0 or d.rng.random() < 0.5:
                amt = int(d.rng.uniform(5, 30) * 10**8)
                d.send(self.lp, d.v2_router.address, d.v2_router.data(
                    "addLiquidity", d.wbtc.address, d.usdc.address, amt, int(amt / 10**8 * btc * 1.01) * 10**6, 0, 0,
                    self.lp.address, DEADLINE), gas=500_000)
                self.lp_shares += 1
            else:
                held = balance(d, self.btc_pool, self.lp.address)
                if held > 0:
                    d.send(self.lp, self.btc_pool.address, self.btc_pool.data("approve", d.v2_router.address, MAX), gas=100_000)
                    d.send(self.lp, d.v2_router.address, d.v2_router.data(
                        "removeLiquidity", d.wbtc.address, d.usdc.address, int(held * d.rng.uniform(0.1, 0.4)), 0, 0,
                        self.lp.address, DEADLINE), gas=500_000)


# -- sandwiches and what resembles them -----------------------------------------------------

def pool_choice(d: SetDriver, m: Market, prices_now):
    """A market pool with its swap function, base token and the base's USD price."""
    choice = d.rng.choice(["btc_v2", "eth_v3", "eth_v2"])
    if choice == "btc_v2":
        return m.btc_pool, d.v2_swap, d.wbtc, prices_now["btc"], "v2"
    if choice == "eth_v3":
        return m.eth_pool, d.v3_swap, d.weth, prices_now["eth"], "v3"
    return m.eth_v2, d.v2_swap, d.weth, prices_now["eth"], "v2"


def sandwich(d: SetDriver, m: Market, now):
    pool, swap, base, price, dex = pool_choice(d, m, now)
    attacker = d.rng.choice(m.searchers)
    buy = d.rng.random() < 0.7  # victims buying the base token (or selling it)
    tin, tout = (d.usdc, base) if buy else (base, d.usdc)
    tin_price = 1.0 if buy else price
    before = balance(d, tout, attacker.address)
    txs = [{"hash": swap(attacker, tin, tout, m.quote(tin, d.uniform("front_usd"), tin_price)), "role": "frontrun"}]
    bought = balance(d, tout, attacker.address) - before
    victims = [m.next_retail() for _ in range(d.randint("victims"))]
    for k, v in enumerate(victims):
        txs.append({"hash": swap(v, tin, tout, m.quote(tin, d.uniform("victim_usd"), tin_price)), "role": "victim"})
        if k == 0 and d.rng.random() < 0.5:  # unrelated flow on another pool in between
            d.v2_swap(d.rng.choice(m.noise), d.usdc, d.wbtc if base is d.weth else d.weth, d.noise_amount(d.usdc, 5_000, 1.0))
    txs.append({"hash": swap(attacker, tout, tin, bought), "role": "backrun"})
    d.label("sandwich", dex=dex, pool=pool.address.lower(), attacker=attacker.address.lower(),
            responsible=attacker.address.lower(), victims=[v.address.lower() for v in victims], txs=txs)


def bot_sandwich(d: SetDriver, m: Market, now):
    """A sandwich run through a searcher's own contract (`SandwichBot`) trading a V2 pair
    directly: both legs' Swap logs name the bot, which keeps the profit; the searcher that sends
    the transactions appears in no log."""
    pool, base, price = (m.btc_pool, d.wbtc, now["btc"]) if d.rng.random() < 0.5 else (m.eth_v2, d.weth, now["eth"])
    owner = d.rng.choice(m.searchers)
    bot = m.bot_of(owner)
    buy = d.rng.random() < 0.7
    tin, tout = (d.usdc, base) if buy else (base, d.usdc)
    tin_price = 1.0 if buy else price

    def leg(token, amount):
        return d.send(owner, bot.address, bot.data("swap", pool.address, token.address, amount), gas=300_000)

    before = balance(d, tout, bot.address)
    txs = [{"hash": leg(tin, m.quote(tin, d.uniform("front_usd"), tin_price)), "role": "frontrun"}]
    bought = balance(d, tout, bot.address) - before
    victims = [m.next_retail() for _ in range(d.randint("victims"))]
    for v in victims:
        txs.append({"hash": d.v2_swap(v, tin, tout, m.quote(tin, d.uniform("victim_usd"), tin_price)), "role": "victim"})
    txs.append({"hash": leg(tout, bought), "role": "backrun"})
    d.label("sandwich", dex="v2", via="bot", pool=pool.address.lower(), attacker=bot.address.lower(), owner=owner.address.lower(),
            responsible=bot.address.lower(), victims=[v.address.lower() for v in victims], txs=txs)


def round_trip(d: SetDriver, m: Market, now):
    """Buys and sells back at once, nothing in between: no victim, no sandwich."""
    pool, swap, base, price, dex = pool_choice(d, m, now)
    who = d.rng.choice(m.searchers)
    before = balance(d, base, who.address)
    h1 = swap(who, d.usdc, base, m.quote(d.usdc, d.uniform("front_usd") / 4, 1.0))
    got = balance(d, base, who.address) - before
    h2 = swap(who, base, d.usdc, got)
    d.label("round_trip", resembles=["sandwich"], pool=pool.address.lower(), addresses=[who.address.lower()],
            txs=[{"hash": h1, "role": "buy"}, {"hash": h2, "role": "sell"}])


def around_other_pool(d: SetDriver, m: Market, now):
    """A buy and a sell on one pool around other accounts' swaps on a different pool."""
    who = d.rng.choice(m.searchers)
    before = balance(d, d.wbtc, who.address)
    h1 = d.v2_swap(who, d.usdc, d.wbtc, m.quote(d.usdc, d.uniform("front_usd") / 2, 1.0))
    got = balance(d, d.wbtc, who.address) - before
    others = [d.v3_swap(m.next_retail(), d.usdc, d.weth, m.quote(d.usdc, d.uniform("victim_usd"), 1.0)) for _ in range(2)]
    h2 = d.v2_swap(who, d.wbtc, d.usdc, got)
    d.label("around_other_pool", resembles=["sandwich"], pool=m.btc_pool.address.lower(), addresses=[who.address.lower()],
            txs=[{"hash": h1, "role": "buy"}] + [{"hash": h, "role": "other_pool"} for h in others] + [{"hash": h2, "role": "sell"}])


def cross_pool_arbitrage(d: SetDriver, m: Market, now):
    """A triangle USDC→WETH→WBTC→USDC before another account's swap on the BTC pool, and the
    reverse triangle after it: the same account trades the pool both ways, as arbitrage legs."""
    who = m.arb2
    amount = m.quote(d.usdc, d.uniform("front_usd") / 3, 1.0)
    h1 = d.v2_route(who, [d.usdc, d.weth, d.wbtc, d.usdc], amount)
    mid = d.v2_swap(m.next_retail(), d.wbtc, d.usdc, m.quote(d.wbtc, d.uniform("victim_usd"), now["btc"]))
    h2 = d.v2_route(who, [d.usdc, d.wbtc, d.weth, d.usdc], amount)
    d.label("cross_pool_arbitrage", resembles=["sandwich"], pool=m.btc_pool.address.lower(), addresses=[who.address.lower()],
            txs=[{"hash": h1, "role": "arbitrage"}, {"hash": mid, "role": "other"}, {"hash": h2, "role": "arbitrage"}])


def jit_liquidity(d: SetDriver, m: Market, now):
    """Concentrated liquidity minted just before a large swap and withdrawn just after."""
    slot0 = d.call(m.eth_pool, "slot0")
    tick = slot0[1] // 60 * 60
    t0, t1 = sorted([d.weth, d.usdc], key=lambda c: int(c.address, 16))
    amt_weth = 2_000 * 10**18
    amt_usdc = int(2_000 * now["eth"]) * 10**6
    a0, a1 = (amt_weth, amt_usdc) if t0 is d.weth else (amt_usdc, amt_weth)
    h1 = d.send(m.jit, d.v3_positions.address, d.v3_positions.data(
        "mint", (t0.address, t1.address, 3000, tick - 600, tick + 600, a0, a1, 0, 0, m.jit.address, DEADLINE)), gas=1_500_000)
    (n,) = d.call(d.v3_positions, "balanceOf", m.jit.address)
    (token_id,) = d.call(d.v3_positions, "tokenOfOwnerByIndex", m.jit.address, n - 1)
    trader = m.next_retail()
    h2 = d.v3_swap(trader, d.usdc, d.weth, m.quote(d.usdc, d.uniform("victim_usd") * 2, 1.0))
    liquidity = d.call(d.v3_positions, "positions", token_id)[7]
    h3 = d.send(m.jit, d.v3_positions.address, d.v3_positions.data(
        "decreaseLiquidity", (token_id, liquidity, 0, 0, DEADLINE)), gas=600_000)
    h4 = d.send(m.jit, d.v3_positions.address, d.v3_positions.data(
        "collect", (token_id, m.jit.address, 2**128 - 1, 2**128 - 1)), gas=600_000)
    d.label("jit_liquidity", resembles=["sandwich"], pool=m.eth_pool.address.lower(), addresses=[m.jit.address.lower()],
            txs=[{"hash": h1, "role": "mint"}, {"hash": h2, "role": "swap"}, {"hash": h3, "role": "burn"}, {"hash": h4, "role": "collect"}])


# -- launches: rug pulls, honeypots, dumps, wash trading and ordinary launches -------------------

def launch(d: SetDriver, m: Market, kind_contract="Token", supply=10**9 * 10**18, creator=None, pool_share=0.5, weth=40):
    """A new token and its V2 pool against WETH, created by a fresh account."""
    creator = creator or d.account(weth=400, stables=False)
    sym = f"T{len(d.tokens)}"
    token = d.new_token(creator, f"Token {sym}", sym, 18, supply, kind=kind_contract)
    d.approve_router(creator, token)
    pair = d.v2_pool(creator, token, d.weth, int(supply * pool_share), weth * 10**18, scenario="launch")
    return creator, token, pair


def retail_buys(d: SetDriver, m: Market, token, offsets, usd=(500, 4_000), label=None, sells_from=None):
    """Distinct retail accounts buy at the given step offsets; from `sells_from` on, some sell half."""
    buyers = []
    for k in offsets:
        def buy(d, now, k=k):
            b = m.next_retail()
            buyers.append(b)
            h = d.v2_swap(b, d.weth, token, m.quote(d.weth, d.rng.uniform(*usd), now["eth"]))
            if label is not None:
                label["txs"].append({"hash": h, "role": "buy"})
            if sells_from is not None and k >= sells_from and len(buyers) > 2 and d.rng.random() < 0.5:
                s = buyers[d.rng.randrange(len(buyers) - 1)]
                held = balance(d, token, s.address)
                if held > 0:
                    d.approve_router(s, token)
                    h = d.v2_swap(s, token, d.weth, held // 2)
                    if label is not None:
                        label["txs"].append({"hash": h, "role": "sell"})
        d.later(k, buy)
    return buyers


def rug_pull(d: SetDriver, m: Market, now, legit=False):
    """A creator launches, lets buyers in, and takes `share` of the liquidity out: to itself,
    to an accomplice, through the router's ETH path, or (V3) by decreasing and collecting."""
    share = d.uniform("trim_share") if legit else d.uniform("rug_share")
    delay = d.randint("rug_delay") + (30 if legit else 0)
    route = d.rng.choice(["self", "accomplice", "eth", "v3"])
    creator = d.account(weth=400, stables=False)
    recipient = creator if route in ("self", "eth") else d.account(eth=1, weth=0, stables=False)
    kind = "legit_launch" if legit else "rug_pull"
    if route == "v3":
        sym = f"T{len(d.tokens)}"
        token = d.new_token(creator, f"Token {sym}", sym, 18, 10**9 * 10**18)
        d.approve_all(creator, token)
        pool, token_id = d.v3_pool(creator, token, d.weth, 1e-7, 400_000_000 * 10**18, 40 * 10**18, fee=10000, scenario=kind)
        dex = "v3"
    else:
        creator, token, pool = launch(d, m, creator=creator)
        dex = "v2"
    fields = dict(dex=dex, pool=pool.address.lower(), token=token.address.lower(), creator=creator.address.lower(),
                  share_pulled=round(share, 3), route=route, txs=[])
    if legit:
        entry = d.label(kind, resembles=["rug_pull"], addresses=[creator.address.lower()], **fields)
    else:
        entry = d.label(kind, responsible=recipient.address.lower(), recipient=recipient.address.lower(), **fields)
    n = d.randint("launch_buyers")
    swap = (lambda w, a, b, amt: d.v3_swap(w, a, b, amt, fee=10000)) if dex == "v3" else d.v2_swap
    for k in range(1, n + 1):
        def buy(d, now, k=k):
            swap(m.next_retail(), d.weth, token, m.quote(d.weth, d.rng.uniform(500, 4_000), now["eth"]))
        d.later(min(k, delay - 1) if delay > 1 else 1, buy)

    def pull(d, now):
        if dex == "v3":
            liquidity = d.call(d.v3_positions, "positions", token_id)[7]
            h1 = d.send(creator, d.v3_positions.address, d.v3_positions.data(
                "decreaseLiquidity", (token_id, int(liquidity * share), 0, 0, DEADLINE)), gas=600_000)
            h2 = d.send(creator, d.v3_positions.address, d.v3_positions.data(
                "collect", (token_id, recipient.address, 2**128 - 1, 2**128 - 1)), gas=600_000)
            entry["txs"] += [{"hash": h1, "role": "pull"}, {"hash": h2, "role": "collect"}]
            return
        lp = balance(d, pool, creator.address)
        d.send(creator, pool.address, pool.data("approve", d.v2_router.address, MAX), gas=100_000)
        if route == "eth":
            h = d.send(creator, d.v2_router.address, d.v2_router.data(
                "removeLiquidityETH", token.address, int(lp * share), 0, 0, recipient.address, DEADLINE), gas=600_000)
        else:
            h = d.send(creator, d.v2_router.address, d.v2_router.data(
                "removeLiquidity", token.address, d.weth.address, int(lp * share), 0, 0, recipient.address, DEADLINE), gas=600_000)
        entry["txs"].append({"hash": h, "role": "pull"})
    d.later(delay, pull)


def honeypot(d: SetDriver, m: Market, now, taxed: bool):
    """Many accounts buy; only the owner (or an account it funded) can sell. Sell-blocked: the
    holders' sells revert. Taxed: they go through but the token takes most of them."""
    owner = d.account(weth=400, stables=False)
    contract = "TaxToken" if taxed else "HoneypotToken"
    owner, token, pair = launch(d, m, kind_contract=contract, creator=owner)
    seller = owner
    if d.rng.random() < 0.4:  # the owner sells through an account it funded
        seller = d.account(eth=1, weth=0, stables=False)
        d.send(owner, token.address, token.data("transfer", seller.address, 100_000_000 * 10**18), gas=100_000)
        d.send(owner, token.address, token.data("setExempt", seller.address, True), gas=100_000)
        d.approve_router(seller, token)
    bps = int(d.uniform("tax_bps"))
    if taxed:
        d.send(owner, token.address, token.data("setSellTax", pair.address, bps), gas=100_000)
    else:
        d.send(owner, token.address, token.data("setPool", pair.address), gas=100_000)
    entry = d.label("honeypot", dex="v2", pool=pair.address.lower(), token=token.address.lower(), owner=owner.address.lower(),
                    responsible=owner.address.lower(), privileged=[seller.address.lower()], mechanism="tax" if taxed else "blocked",
                    tax_bps=bps if taxed else None, txs=[])
    n = d.randint("launch_buyers") + 2
    buyers = retail_buys(d, m, token, range(1, n + 1), label=entry)
    for k in (n // 2, n - 1, n + 1):
        def try_sell(d, now):
            if not buyers:
                return
            b = d.rng.choice(buyers)
            held = balance(d, token, b.address)
            if held == 0:
                return
            d.approve_router(b, token)
            if taxed:
                h = d.v2_sell_taxed(b, token, held // 2)
                entry["txs"].append({"hash": h, "role": "taxed_sell"})
            else:
                h = d.v2_swap(b, token, d.weth, held // 2, must_succeed=False)
                entry["txs"].append({"hash": h, "role": "blocked_sell"})
        d.later(k, try_sell)

    def owner_sells(d, now):
        h = d.v2_swap(seller, token, d.weth, 50_000_000 * 10**18)
        entry["txs"].append({"hash": h, "role": "owner_sell"})
    d.later(n + 3, owner_sells)


def tax_token(d: SetDriver, m: Market, now):
    """An ordinary tax token: a few percent of each sell goes to the owner; buyers sell freely."""
    owner, token, pair = launch(d, m, kind_contract="TaxToken")
    bps = int(d.uniform("legit_tax_bps"))
    d.send(owner, token.address, token.data("setSellTax", pair.address, bps), gas=100_000)
    entry = d.label("tax_token", resembles=["honeypot"], pool=pair.address.lower(), token=token.address.lower(),
                    addresses=[owner.address.lower()], tax_bps=bps, txs=[])
    n = d.randint("launch_buyers") + 2
    buyers = retail_buys(d, m, token, range(1, n + 1), label=entry)
    for k in range(3, n + 3, 2):
        def sell(d, now):
            if len(buyers) < 2:
                return
            b = d.rng.choice(buyers)
            held = balance(d, token, b.address)
            if held:
                d.approve_router(b, token)
                entry["txs"].append({"hash": d.v2_sell_taxed(b, token, held // 2), "role": "sell"})
        d.later(k, sell)


def holder_dump(d: SetDriver, m: Market, now, small=False):
    """An account given a large share of the supply by the deployer sells most of it into the
    pool within a few blocks (or, `small`, a little of it at a time: an ordinary holder)."""
    supply = 10**9 * 10**18
    creator = d.account(weth=400, stables=False)
    sym = f"T{len(d.tokens)}"
    token = d.new_token(creator, f"Token {sym}", sym, 18, supply)
    share = d.uniform("dump_share")
    holder = d.account(eth=1, weth=0, stables=False)
    d.send(creator, token.address, token.data("transfer", holder.address, int(supply * share)), gas=100_000)
    d.approve_router(holder, token)
    d.approve_router(creator, token)
    pair = d.v2_pool(creator, token, d.weth, int(supply * min(0.3, 1 - share - 0.05)), 80 * 10**18, scenario="launch")
    held = int(supply * share)
    if small:
        entry = d.label("holder_sale", resembles=["holder_dump"], pool=pair.address.lower(), token=token.address.lower(),
                        addresses=[holder.address.lower()], holder_share=round(share, 3), txs=[])
    else:
        entry = d.label("holder_dump", dex="v2", pool=pair.address.lower(), token=token.address.lower(),
                        holder=holder.address.lower(), responsible=holder.address.lower(), holder_share=round(share, 3), txs=[])
    n = d.randint("launch_buyers") + 4
    retail_buys(d, m, token, range(1, n + 1), usd=(2_000, 6_000), sells_from=n // 2)
    if small:
        sold = d.uniform("sale_share")
        parts = 4
        for j in range(parts):
            def sell(d, now):
                entry["txs"].append({"hash": d.v2_swap(holder, token, d.weth, int(held * sold / parts)), "role": "sale"})
            d.later(n + 5 + 15 * j, sell)
    else:
        sold = d.uniform("dump_sold")
        blocks = d.randint("dump_blocks")
        for j in range(blocks):
            def dump(d, now):
                entry["txs"].append({"hash": d.v2_swap(holder, token, d.weth, int(held * sold / blocks)), "role": "dump"})
            d.later(n + 2 + j, dump)


def wash_trading(d: SetDriver, m: Market, now):
    """One account, or a ring funded from one another, buying and selling the same size back
    and forth on a new token's pool, block after block."""
    ring_size = d.randint("wash_ring")
    head = d.account(weth=1_500, stables=False)
    owner, token, pair = launch(d, m, creator=head, weth=30)
    ring = [head]
    for _ in range(ring_size - 1):
        member = d.account(eth=1, weth=0, stables=False)
        # Funded from the head: WETH and tokens, seen as transfers.
        d.send(head, d.weth.address, d.weth.data("transfer", member.address, 300 * 10**18), gas=100_000)
        d.send(head, token.address, token.data("transfer", member.address, 100_000_000 * 10**18), gas=100_000)
        d.approve_all(member, d.weth)
        d.approve_router(member, token)
        ring.append(member)
    entry = d.label("wash_trading", dex="v2", pool=pair.address.lower(), token=token.address.lower(),
                    addresses=[r.address.lower() for r in ring], responsible=head.address.lower(), txs=[])
    size = int(d.uniform("wash_eth") * 10**18)
    cycles = d.randint("wash_cycles")
    retail_buys(d, m, token, range(2, cycles + 2, 3), usd=(300, 2_000))
    for k in range(1, cycles + 1):
        def cycle(d, now, k=k):
            buyer = ring[k % len(ring)]
            seller = ring[(k + 1) % len(ring)] if len(ring) > 1 else buyer
            before = balance(d, token, buyer.address)
            entry["txs"].append({"hash": d.v2_swap(buyer, d.weth, token, size), "role": "buy"})
            got = balance(d, token, buyer.address) - before
            entry["txs"].append({"hash": d.v2_swap(seller, token, d.weth, got), "role": "sell"})
        d.later(k, cycle)


SCENARIOS = {
    "sandwich": sandwich,
    "round_trip": round_trip,
    "around_other_pool": around_other_pool,
    "cross_pool_arbitrage": cross_pool_arbitrage,
    "jit_liquidity": jit_liquidity,
    "rug_pull": lambda d, m, now: rug_pull(d, m, now),
    "legit_launch": lambda d, m, now: rug_pull(d, m, now, legit=True),
    "honeypot": lambda d, m, now: honeypot(d, m, now, taxed=d.rng.random() < 0.4),
    "tax_token": tax_token,
    "holder_dump": lambda d, m, now: holder_dump(d, m, now),
    "holder_sale": lambda d, m, now: holder_dump(d, m, now, small=True),
    "wash_trading": wash_trading,
    "bot_sandwich": bot_sandwich,
}


def plan(d: SetDriver, steps: int) -> dict:
    """Start steps for every scenario: spread at random over the run, leaving room to finish."""
    out: dict = {}
    for kind, count in d.p["counts"].items():
        for _ in range(count):
            step = d.rng.randrange(5, int(steps * 0.82))
            out.setdefault(step, []).append(kind)
    return out


def run(name: str, out_dir: str, steps: int | None):
    profile = PROFILES[name]
    steps = steps or profile["steps"]
    offset = profile.get("offset", 0)
    btc = [p for p in prices.btc_hourly() if p[0] >= START][offset:offset + steps]
    if len(btc) < steps:
        raise SystemExit(f"only {len(btc)} hourly bars from bar {offset} after {START:%Y-%m-%d}")
    eth_days = prices.eth_daily()
    t0 = time.time()
    with Devnet(seed=profile["seed"], genesis_timestamp=GENESIS_TIMESTAMP, block_time=BLOCK_TIME) as devnet:
        recorder = Recorder(devnet.ws_url, topics=list(SET_TOPICS.values()))
        recorder.start()
        d = SetDriver(devnet, profile["seed"], profile)
        d.setup()
        first_block = int(devnet.rpc.call("eth_blockNumber"), 16) + 1
        market = Market(d, btc[0][1], prices.eth_at(eth_days, btc[0][0]))
        starts = plan(d, steps)
        bar = Progress(steps)
        for i, (t, btc_price) in enumerate(btc):
            now = {"btc": btc_price, "eth": prices.eth_at(eth_days, t)}
            d.current_step = i
            market.step(now["btc"], now["eth"], i)
            for kind in starts.get(i, []):
                SCENARIOS[kind](d, market, now)
            for action in d.schedule.pop(i, []):
                action(d, now)
            d.mine()
            if bar.enabled:
                bar.show(i + 1, f"[{name}] step {i + 1}/{steps} frames {len(recorder.frames)} {time.time() - t0:.0f}s")
            elif i % 50 == 0 or i == steps - 1:
                print(f"[{name}] step {i}/{steps} block {int(devnet.rpc.call('eth_blockNumber'), 16)} frames {len(recorder.frames)} "
                      f"{time.time() - t0:.0f}s", flush=True)
        bar.finish()
        # Scenarios that had not finished: run their remaining steps, a block each.
        for i in sorted(k for k in d.schedule if k >= steps):
            d.current_step = i
            for action in d.schedule.pop(i):
                action(d, now)
            d.mine()
        last_block = int(devnet.rpc.call("eth_blockNumber"), 16)
        devnet.rpc.call("sigil_mine", 1)
        recorder.wait_for_head(last_block + 1)
        frames = [f for f in recorder.frames if not _is_head(f, last_block + 1)]
        registry_logs = devnet.rpc.call("eth_getLogs", {"fromBlock": "0x0", "toBlock": hex(last_block), "address": d.registry.address})
        write_outputs(out_dir, profile["seed"], devnet, d, frames, registry_logs, first_block, last_block, btc,
                      topics=SET_TOPICS, set_name=name, profile=profile)
    kinds = {}
    for label in d.labels:
        kinds[label["kind"]] = kinds.get(label["kind"], 0) + 1
    print(f"[{name}] recorded {len(frames)} frames, blocks 1..{last_block}, scenarios {kinds} in {time.time() - t0:.0f}s")


def main(argv=None):
    p = argparse.ArgumentParser(prog="scenario_sets", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--set", choices=sorted(PROFILES), required=True)
    p.add_argument("--steps", type=int, default=None, help="blocks of market flow (default: the profile's)")
    p.add_argument("--out", default=None, help="default: data/scenarios/SET")
    args = p.parse_args(argv)
    run(args.set, args.out or f"data/scenarios/{args.set}", args.steps)


if __name__ == "__main__":
    main()
