"""A small synchronous websocket JSON-RPC client for the tests (websockets' sync API)."""
import json
import time

from websockets.sync.client import connect


class WS:
    def __init__(self, url: str):
        self.conn = connect(url, max_size=2**24)
        self.next_id = 0
        self.pending_notifications = []

    def call(self, method, *params, timeout=10):
        self.next_id += 1
        rid = self.next_id
        self.conn.send(json.dumps({"jsonrpc": "2.0", "id": rid, "method": method, "params": list(params)}))
        deadline = time.time() + timeout
        while True:
            msg = json.loads(self.conn.recv(timeout=max(0.01, deadline - time.time())))
            if msg.get("method") == "eth_subscription":
                self.pending_notifications.append(msg)
                continue
            assert msg["id"] == rid
            return msg

    def notifications(self, count, timeout=2.0):
        """Waits for `count` notifications (or the timeout) and returns those received."""
        out = self.pending_notifications
        self.pending_notifications = []
        deadline = time.time() + timeout
        while len(out) < count:
            left = deadline - time.time()
            if left <= 0:
                break
            try:
                raw = self.conn.recv(timeout=left)
            except TimeoutError:
                break
            out.append(json.loads(raw))
        return out

    def close(self):
        self.conn.close()
