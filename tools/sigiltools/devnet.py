"""`make devnet`: a local Ethereum JSON-RPC node (py-evm) over HTTP and WebSocket.

    python -m sigiltools.devnet [--host H] [--http-port P] [--ws-port P] [--seed N]

Environment: SIGIL_DEVNET_HOST (127.0.0.1), SIGIL_DEVNET_HTTP_PORT (8545),
SIGIL_DEVNET_WS_PORT (8546). Port 0 picks a free port. When both listeners are up it prints
one line `devnet ready http=URL ws=URL chainId=N` and then serves until SIGINT/SIGTERM.

Transport controls, besides the node's own sigil_* methods:
  sigil_pauseWebsocket    every open websocket goes silent without closing (a half-open
                          connection): no responses, notifications or pongs; new
                          connections are served normally
  sigil_resumeWebsocket   the paused sockets speak again (what they missed is lost)
  sigil_dropWebsockets    every open websocket is cut at the TCP level, no close frame
  sigil_injectFrames      [frames]: sends each text frame, as is, to every open websocket, in
                          order with the node's own frames; `{logs}` and `{heads}` in a frame
                          become that connection's first logs / newHeads subscription id
"""
import argparse
import asyncio
import json
import os
import sys

from aiohttp import WSMsgType, web

from .node import Node, error_response
from .serving import cut, listen, until_signalled

MAX_BODY = 16 * 1024 * 1024


class WSConnection:
    def __init__(self, ws: web.WebSocketResponse):
        self.ws = ws
        self.queue: asyncio.Queue = asyncio.Queue()
        self.paused = False

    def send_frame(self, frame: str):
        if not self.paused and not self.ws.closed:
            self.queue.put_nowait(frame)

    async def writer(self):
        while True:
            frame = await self.queue.get()
            if frame is None:
                return
            try:
                await self.ws.send_str(frame)
            except (ConnectionError, RuntimeError):
                return


class Server:
    def __init__(self, node: Node):
        self.node = node
        self.connections: set[WSConnection] = set()

    def transport_control(self, req):
        method = req.get("method") if isinstance(req, dict) else None
        if method == "sigil_pauseWebsocket":
            for c in self.connections:
                c.paused = True
            return {"jsonrpc": "2.0", "id": req.get("id"), "result": len(self.connections)}
        if method == "sigil_resumeWebsocket":
            n = sum(1 for c in self.connections if c.paused)
            for c in self.connections:
                c.paused = False
            return {"jsonrpc": "2.0", "id": req.get("id"), "result": n}
        if method == "sigil_dropWebsockets":
            n = len(self.connections)
            for c in list(self.connections):
                cut(c.ws)
            return {"jsonrpc": "2.0", "id": req.get("id"), "result": n}
        if method == "sigil_injectFrames":
            params = req.get("params") or []
            frames = params[0] if params else None
            if not isinstance(frames, list) or not all(isinstance(f, str) for f in frames):
                return error_response(req.get("id"), -32602, "expected a list of frames (strings)")
            for c in self.connections:
                subs = {}
                for sid, sub in self.node.subscriptions.items():
                    if sub.conn is c:
                        subs.setdefault(sub.kind, sid)
                for f in frames:
                    c.send_frame(f.replace("{logs}", subs.get("logs", "0x0")).replace("{heads}", subs.get("newHeads", "0x0")))
            return {"jsonrpc": "2.0", "id": req.get("id"), "result": len(self.connections) * len(frames)}
        return None

    def answer(self, payload, conn=None):
        """Answers a decoded body: one request or a batch."""
        if isinstance(payload, list):
            if not payload:
                return error_response(None, -32600, "empty batch")
            return [self.answer_one(r, conn) for r in payload]
        return self.answer_one(payload, conn)

    def answer_one(self, req, conn):
        return self.transport_control(req) or self.node.handle(req, conn)

    async def http(self, request: web.Request):
        body = await request.read()
        try:
            payload = json.loads(body)
        except ValueError:
            return web.json_response(error_response(None, -32700, "parse error"))
        return web.json_response(self.answer(payload), dumps=compact)

    async def websocket(self, request: web.Request):
        ws = web.WebSocketResponse(autoping=False, max_msg_size=MAX_BODY)
        await ws.prepare(request)
        conn = WSConnection(ws)
        self.connections.add(conn)
        writer = asyncio.create_task(conn.writer())
        try:
            async for msg in ws:
                if conn.paused:
                    continue
                if msg.type == WSMsgType.PING:
                    await ws.pong(msg.data)
                elif msg.type == WSMsgType.TEXT:
                    try:
                        payload = json.loads(msg.data)
                    except ValueError:
                        conn.send_frame(compact(error_response(None, -32700, "parse error")))
                        continue
                    conn.send_frame(compact(self.answer(payload, conn)))
                elif msg.type in (WSMsgType.CLOSE, WSMsgType.ERROR):
                    break
        finally:
            self.connections.discard(conn)
            self.node.drop_connection(conn)
            conn.queue.put_nowait(None)
            await asyncio.gather(writer, return_exceptions=True)
        return ws


def compact(obj) -> str:
    return json.dumps(obj, separators=(",", ":"))


async def serve(host: str, http_port: int, ws_port: int, seed: int, genesis_timestamp: int = 1_700_000_000,
                block_time: int = 12, ready_line: bool = True):
    node = Node(seed=seed, genesis_timestamp=genesis_timestamp, block_time=block_time)
    server = Server(node)
    http_app = web.Application(client_max_size=MAX_BODY)
    http_app.router.add_post("/", server.http)
    ws_app = web.Application(client_max_size=MAX_BODY)
    ws_app.router.add_get("/", server.websocket)
    runners, ports = await listen(host, [(http_app, http_port), (ws_app, ws_port)])
    if ready_line:
        accounts = ",".join(node.rpc_eth_accounts()[:3])
        print(f"devnet ready http=http://{host}:{ports[0]} ws=ws://{host}:{ports[1]} chainId={node.chain_id} accounts={accounts}", flush=True)
    await until_signalled()
    server.transport_control({"method": "sigil_dropWebsockets"})
    for r in runners:
        await r.cleanup()


def main(argv=None):
    p = argparse.ArgumentParser(prog="devnet", description="Local py-evm JSON-RPC node over HTTP and WebSocket")
    p.add_argument("--host", default=os.environ.get("SIGIL_DEVNET_HOST", "127.0.0.1"))
    p.add_argument("--http-port", type=int, default=int(os.environ.get("SIGIL_DEVNET_HTTP_PORT", "8545")))
    p.add_argument("--ws-port", type=int, default=int(os.environ.get("SIGIL_DEVNET_WS_PORT", "8546")))
    p.add_argument("--seed", type=int, default=1, help="seed of block mix hashes and subscription ids")
    p.add_argument("--genesis-timestamp", type=int, default=1_700_000_000, help="unix time of block 0")
    p.add_argument("--block-time", type=int, default=12, help="seconds between blocks")
    args = p.parse_args(argv)
    try:
        asyncio.run(serve(args.host, args.http_port, args.ws_port, args.seed, args.genesis_timestamp, args.block_time))
    except OSError as e:
        print(f"devnet: cannot listen: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
