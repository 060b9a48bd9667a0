"""What the project's test servers (devnet, hyperliquid) share: listening, and cutting sockets."""
import asyncio
import signal

from aiohttp import web


async def listen(host: str, apps: list) -> tuple[list, list[int]]:
    """Starts each (aiohttp app, port) on `host` (port 0: a free one); returns the runners and
    the ports bound. A runner shuts down within a second."""
    runners, ports = [], []
    for app, port in apps:
        runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        runners.append(runner)
        ports.append(site._server.sockets[0].getsockname()[1])
    return runners, ports


async def until_signalled():
    """Waits for SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


def cut(ws: web.WebSocketResponse):
    """Cuts a websocket at the TCP level, without a close frame (a dropped connection)."""
    transport = ws._req.transport if ws._req is not None else None
    if transport is not None:
        transport.abort()
