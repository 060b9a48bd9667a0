"""The devnet's JSON-RPC node: eth-tester (py-evm) behind the methods and wire format of a
production node, plus subscriptions and test controls.

Transport-free: the server hands it decoded requests and a connection object for websocket
subscriptions; it returns response dicts and pushes notification frames to connections.
"""
import json
import random
from dataclasses import dataclass, field

from eth_tester import EthereumTester
from eth_tester.exceptions import BlockNotFound, TransactionNotFound, ValidationError
from eth_utils import to_checksum_address

from . import wire
from .backend import DeterministicBackend, Reverted
from .wire import InvalidParams, RPCError

MAX_LOG_RESULTS = 10_000
PRIORITY_FEE = 10**9
CLIENT_VERSION = "sigil-devnet/1.0/py-evm"
# The gas price an eth_call that names no fee runs at (above any base fee here; never charged).
FREE_CALL_GAS_PRICE = 10**15


@dataclass
class Subscription:
    id: str
    conn: object
    kind: str
    addresses: set | None = None
    topics: list = field(default_factory=list)

    def matches(self, log: dict) -> bool:
        if self.addresses is not None and log["address"] not in self.addresses:
            return False
        return topics_match(self.topics, log["topics"])


def topics_match(wanted: list, topics: list) -> bool:
    for i, want in enumerate(wanted):
        if want is None:
            continue
        if i >= len(topics):
            return False
        options = want if isinstance(want, list) else [want]
        if topics[i] not in [o.lower() for o in options]:
            return False
    return True


def parse_filter(params: dict) -> tuple[set | None, list]:
    if not isinstance(params, dict):
        raise InvalidParams("filter object expected")
    unknown = set(params) - {"address", "topics", "fromBlock", "toBlock", "blockHash"}
    if unknown:
        raise InvalidParams(f"unknown filter fields {sorted(unknown)}")
    a = params.get("address")
    if a is None:
        addresses = None
    else:
        items = a if isinstance(a, list) else [a]
        addresses = {wire.parse_address(x).lower() for x in items}
    topics = params.get("topics") or []
    if not isinstance(topics, list):
        raise InvalidParams("topics must be an array")
    return addresses, topics


class Node:
    def __init__(self, seed: int = 1, genesis_timestamp: int = 1_700_000_000, block_time: int = 12):
        self.backend = DeterministicBackend(seed, genesis_timestamp, block_time)
        self.tester = EthereumTester(self.backend)
        self.chain_id = self.backend.chain.chain_id
        self.rng = random.Random(seed)
        self.subscriptions: dict[str, Subscription] = {}
        self.snapshots: dict[str, object] = {}
        # What subscribers have been told: block number -> (hash, [wire logs]).
        self.delivered: dict[int, tuple[str, list]] = {}
        head = self.tester.get_block_by_number("latest")
        self.delivered[head["number"]] = (head["hash"].lower(), [])
        self._logs_cache: dict[str, list] = {}
        # eth-tester always mines on send; with automine off the node applies transactions to
        # the pending block itself and mines only on sigil_mine.
        self.automine = True

    # -- dispatch ------------------------------------------------------------------------

    def handle(self, request, conn=None):
        """Answers one JSON-RPC request object (never raises)."""
        if not isinstance(request, dict) or request.get("jsonrpc") != "2.0" or not isinstance(request.get("method"), str):
            rid = request.get("id") if isinstance(request, dict) else None
            return error_response(rid, -32600, "invalid request")
        rid = request.get("id")
        method = request["method"]
        params = request.get("params", [])
        if not isinstance(params, list):
            return error_response(rid, -32602, "params must be an array")
        handler = getattr(self, "rpc_" + method, None)
        if handler is None:
            return error_response(rid, -32601, f"the method {method} does not exist/is not available")
        try:
            if method in ("eth_subscribe", "eth_unsubscribe"):
                if conn is None:
                    raise RPCError("notifications not supported", code=-32601)
                result = handler(conn, *params)
            else:
                result = handler(*params)
        except RPCError as e:
            return error_response(rid, e.code, e.message, e.data)
        except TypeError as e:
            return error_response(rid, -32602, f"invalid params: {e}")
        except ValidationError as e:
            return error_response(rid, -32602, f"invalid params: {e}")
        except Exception as e:  # an error of the EVM or eth-tester: report, keep serving
            return error_response(rid, -32000, f"{type(e).__name__}: {e}")
        finally:
            if method.startswith(("eth_sendRawTransaction", "sigil_")):
                self.publish()
        return {"jsonrpc": "2.0", "id": rid, "result": result}

    # -- chain reads ---------------------------------------------------------------------

    def rpc_web3_clientVersion(self):
        return CLIENT_VERSION

    def rpc_eth_chainId(self):
        return wire.qty(self.chain_id)

    def rpc_net_version(self):
        return str(self.chain_id)

    def rpc_eth_accounts(self):
        return [a.lower() for a in self.tester.get_accounts()]

    def rpc_eth_blockNumber(self):
        return wire.qty(self.tester.get_block_by_number("latest")["number"])

    def rpc_eth_getBalance(self, address, block="latest"):
        return wire.qty(self.tester.get_balance(wire.parse_address(address), wire.parse_block_tag(block)))

    def rpc_eth_getTransactionCount(self, address, block="latest"):
        return wire.qty(self.tester.get_nonce(wire.parse_address(address), wire.parse_block_tag(block)))

    def rpc_eth_getCode(self, address, block="latest"):
        return wire.data(self.tester.get_code(wire.parse_address(address), wire.parse_block_tag(block)))

    def _pending_base_fee(self) -> int:
        return self.tester.get_block_by_number("pending")["base_fee_per_gas"]

    def rpc_eth_gasPrice(self):
        return wire.qty(self._pending_base_fee() + PRIORITY_FEE)

    def rpc_eth_maxPriorityFeePerGas(self):
        return wire.qty(PRIORITY_FEE)

    def rpc_eth_feeHistory(self, block_count, newest="latest", percentiles=None):
        count = wire.parse_qty(block_count, "blockCount") if isinstance(block_count, str) else int(block_count)
        if count < 1 or count > 1024:
            raise InvalidParams("blockCount must be between 1 and 1024")
        newest_block = self._block(wire.parse_block_tag(newest))
        last = newest_block["number"]
        first = max(0, last - count + 1)
        base_fees, ratios, rewards = [], [], []
        for n in range(first, last + 1):
            b = self._block(n, full=True)
            base_fees.append(wire.qty(b["base_fee_per_gas"]))
            ratios.append(b["gas_used"] / b["gas_limit"])
            if percentiles:
                rewards.append([wire.qty(x) for x in self._block_rewards(b, percentiles)])
        if last == self.tester.get_block_by_number("latest")["number"]:
            base_fees.append(wire.qty(self._pending_base_fee()))
        else:
            base_fees.append(wire.qty(self._block(last + 1)["base_fee_per_gas"]))
        out = {"oldestBlock": wire.qty(first), "baseFeePerGas": base_fees, "gasUsedRatio": ratios}
        if percentiles:
            out["reward"] = rewards
        return out

    def _block_rewards(self, b, percentiles):
        base = b["base_fee_per_gas"]
        tips = []
        for tx in b["transactions"]:
            gas_used = self.tester.get_transaction_receipt(tx["hash"])["gas_used"]
            if "max_fee_per_gas" in tx:
                tip = min(tx["max_priority_fee_per_gas"], tx["max_fee_per_gas"] - base)
            else:
                tip = tx["gas_price"] - base
            tips.append((tip, gas_used))
        if not tips:
            return [0 for _ in percentiles]
        tips.sort()
        total = sum(g for _, g in tips)
        out = []
        for p in percentiles:
            threshold, acc = total * p / 100, 0
            chosen = tips[-1][0]
            for tip, g in tips:
                acc += g
                if acc >= threshold:
                    chosen = tip
                    break
            out.append(chosen)
        return out

    def _block(self, tag, full=False):
        try:
            if isinstance(tag, str) and tag.startswith("0x") and len(tag) == 66:
                return self.tester.get_block_by_hash(tag, full_transactions=full)
            return self.tester.get_block_by_number(tag, full_transactions=full)
        except BlockNotFound:
            return None

    def rpc_eth_getBlockByNumber(self, tag, full=False):
        b = self._block(wire.parse_block_tag(tag), full)
        return None if b is None else wire.block(b, full)

    def rpc_eth_getBlockByHash(self, block_hash, full=False):
        b = self._block(block_hash, full)
        return None if b is None else wire.block(b, full)

    def rpc_eth_getTransactionByHash(self, tx_hash):
        try:
            return wire.transaction(self.tester.get_transaction_by_hash(tx_hash))
        except TransactionNotFound:
            return None

    def rpc_eth_getTransactionReceipt(self, tx_hash):
        try:
            r = self.tester.get_transaction_receipt(tx_hash)
        except TransactionNotFound:
            return None
        if r is None or r.get("block_number") is None:
            return None
        out = wire.receipt(r)
        out["logs"] = [l for l in self.block_logs(out["blockHash"]) if l["transactionHash"] == out["transactionHash"]]
        return out

    def rpc_eth_call(self, tx, block="latest", *overrides):
        call = wire.parse_call(tx)
        free = not wire.names_fee(call)
        if free:
            call["gas_price"] = FREE_CALL_GAS_PRICE
        self.backend.free_call = free
        try:
            return wire.data(self.tester.call(call, wire.parse_block_tag(block)))
        except Reverted as e:
            raise revert_error(e) from e
        finally:
            self.backend.free_call = False

    def rpc_eth_estimateGas(self, tx, block="latest"):
        try:
            return wire.qty(self.tester.estimate_gas(wire.parse_call(tx), wire.parse_block_tag(block)))
        except Reverted as e:
            raise revert_error(e) from e

    def rpc_eth_sendRawTransaction(self, raw):
        if not isinstance(raw, str) or not raw.startswith("0x"):
            raise InvalidParams("raw transaction must be 0x-hex")
        try:
            return self._send_raw(raw, self.automine)
        except ValidationError as e:
            raise RPCError(f"invalid transaction: {e}") from e

    def _send_raw(self, raw: str, mine: bool) -> str:
        if mine:
            return wire.data(self.tester.send_raw_transaction(raw))
        return "0x" + self.backend.send_raw_transaction(bytes.fromhex(raw[2:])).hex()

    # -- logs ----------------------------------------------------------------------------

    def block_logs(self, block_hash: str) -> list:
        """The wire-format logs of one block, in log index order (cached by hash)."""
        key = block_hash.lower()
        cached = self._logs_cache.get(key)
        if cached is not None:
            return cached
        b = self.tester.get_block_by_hash(block_hash)
        logs = []
        for tx_hash in b["transactions"]:
            r = self.tester.get_transaction_receipt(tx_hash)
            for entry in r["logs"]:
                # eth-tester numbers logs within their transaction; a node numbers them within
                # the block, which is what makes (block hash, log index) an identity.
                logs.append(wire.log(dict(entry, log_index=len(logs))))
        self._logs_cache[key] = logs
        return logs

    def rpc_eth_getLogs(self, params):
        addresses, topics = parse_filter(params)
        if "blockHash" in params:
            if "fromBlock" in params or "toBlock" in params:
                raise InvalidParams("cannot specify both blockHash and fromBlock/toBlock")
            b = self._block(params["blockHash"])
            if b is None:
                raise RPCError("unknown block", code=-32000)
            numbers = [(b["number"], b["hash"])]
        else:
            head = self.tester.get_block_by_number("latest")["number"]
            frm = self._resolve_number(params.get("fromBlock", "latest"), head)
            to = self._resolve_number(params.get("toBlock", "latest"), head)
            if frm > to:
                raise InvalidParams("invalid block range params")
            to = min(to, head)
            numbers = [(n, None) for n in range(frm, to + 1)]
        sub = Subscription("", None, "logs", addresses, topics)
        out = []
        for n, h in numbers:
            h = h or self.tester.get_block_by_number(n)["hash"]
            for entry in self.block_logs(h):
                if sub.matches(entry):
                    out.append(entry)
                    if len(out) > MAX_LOG_RESULTS:
                        raise RPCError(f"query returned more than {MAX_LOG_RESULTS} results", code=-32005)
        return out

    def _resolve_number(self, tag, head):
        t = wire.parse_block_tag(tag)
        if t in ("latest", "safe", "finalized", "pending"):
            return head
        if t == "earliest":
            return 0
        return t

    # -- subscriptions -------------------------------------------------------------------

    def rpc_eth_subscribe(self, conn, kind, params=None):
        sub_id = "0x%032x" % self.rng.getrandbits(128)
        if kind == "newHeads":
            sub = Subscription(sub_id, conn, kind)
        elif kind == "logs":
            addresses, topics = parse_filter(params or {})
            sub = Subscription(sub_id, conn, kind, addresses, topics)
        else:
            raise InvalidParams(f"unsupported subscription type {kind!r}")
        self.subscriptions[sub_id] = sub
        return sub_id

    def rpc_eth_unsubscribe(self, conn, sub_id):
        sub = self.subscriptions.get(sub_id)
        if sub is None or sub.conn is not conn:
            return False
        del self.subscriptions[sub_id]
        return True

    def drop_connection(self, conn):
        for sid in [s for s, sub in self.subscriptions.items() if sub.conn is conn]:
            del self.subscriptions[sid]

    def _notify(self, sub: Subscription, result):
        frame = json.dumps(
            {"jsonrpc": "2.0", "method": "eth_subscription", "params": {"subscription": sub.id, "result": result}},
            separators=(",", ":"),
        )
        sub.conn.send_frame(frame)

    def publish(self):
        """Tells subscribers about every change of the canonical chain since the last call.

        Like a production node, the subscribers hear of a new branch only once it is longer
        than the one they were told of; the logs of the dropped blocks then come again with
        `removed: true`, newest block first, before the new branch's heads and logs.
        """
        head = self.tester.get_block_by_number("latest")
        told_head = max(self.delivered)
        if head["number"] <= told_head:
            return
        ancestor = told_head
        while ancestor >= 0:
            told = self.delivered.get(ancestor)
            canonical = self.tester.get_block_by_number(ancestor)["hash"].lower()
            if told is not None and told[0] == canonical:
                break
            ancestor -= 1
        for n in sorted((n for n in self.delivered if n > ancestor), reverse=True):
            _, logs = self.delivered.pop(n)
            for entry in reversed(logs):
                removed = dict(entry, removed=True)
                for sub in list(self.subscriptions.values()):
                    if sub.kind == "logs" and sub.matches(removed):
                        self._notify(sub, removed)
        for n in range(ancestor + 1, head["number"] + 1):
            b = self.tester.get_block_by_number(n)
            logs = self.block_logs(b["hash"])
            self.delivered[n] = (b["hash"].lower(), logs)
            heads = wire.header(b)
            for sub in list(self.subscriptions.values()):
                if sub.kind == "newHeads":
                    self._notify(sub, heads)
            for entry in logs:
                for sub in list(self.subscriptions.values()):
                    if sub.kind == "logs" and sub.matches(entry):
                        self._notify(sub, entry)
        # Keep the record bounded: reorgs deeper than this are not followed.
        for n in [n for n in self.delivered if n < head["number"] - 256]:
            del self.delivered[n]

    # -- test controls (sigil_ namespace) -------------------------------------------------

    def rpc_sigil_setAutomine(self, enabled):
        if not isinstance(enabled, bool):
            raise InvalidParams("expected true or false")
        self.automine = enabled
        return enabled

    def rpc_sigil_mine(self, blocks=1):
        """Mines `blocks` blocks; with automine off, the first takes every pending transaction."""
        n = blocks if isinstance(blocks, int) else wire.parse_qty(blocks, "blocks")
        if n < 1 or n > 10_000:
            raise InvalidParams("blocks must be between 1 and 10000")
        hashes = self.tester.mine_blocks(n)
        return [h.lower() for h in hashes]

    def rpc_sigil_snapshot(self):
        snap = self.tester.take_snapshot()
        sid = wire.qty(len(self.snapshots) + 1)
        self.snapshots[sid] = snap
        return sid

    def rpc_sigil_revert(self, sid):
        """Rewinds the chain to a snapshot. Subscribers hear of it once a longer branch is mined."""
        snap = self.snapshots.get(sid)
        if snap is None:
            raise InvalidParams(f"unknown snapshot {sid}")
        self.tester.revert_to_snapshot(snap)
        self.backend.fork += 1
        return True

    def rpc_sigil_reorg(self, depth, options=None):
        """Replaces the last `depth` blocks with a longer branch.

        The dropped blocks' transactions are sent again in the same order (all in the first new
        block unless `{"keepBlocks": true}`), minus the last `{"drop": k}` of them; then empty
        blocks are mined until the new branch is one block longer than the old one.
        Returns the dropped and the new block hashes.
        """
        options = options or {}
        unknown = set(options) - {"drop", "keepBlocks"}
        if unknown:
            raise InvalidParams(f"unknown reorg options {sorted(unknown)}; valid: ['drop', 'keepBlocks']")
        depth = depth if isinstance(depth, int) else wire.parse_qty(depth, "depth")
        head = self.tester.get_block_by_number("latest")["number"]
        if depth < 1 or depth > min(head, 64):
            raise InvalidParams(f"depth must be between 1 and {min(head, 64)}")
        import rlp

        dropped, raw_by_block = [], []
        for n in range(head - depth + 1, head + 1):
            b = self.backend.chain.get_canonical_block_by_number(n)
            dropped.append("0x" + b.hash.hex())
            # typed transactions encode themselves; legacy ones are plain RLP
            raw_by_block.append(["0x" + (tx.encode() if hasattr(tx, "encode") else rlp.encode(tx)).hex() for tx in b.transactions])
        drop = int(options.get("drop", 0))
        if options.get("keepBlocks"):
            new_blocks = list(raw_by_block)
            remaining = drop
            while remaining and new_blocks:
                take = min(remaining, len(new_blocks[-1]))
                new_blocks[-1] = new_blocks[-1][: len(new_blocks[-1]) - take]
                remaining -= take
                if not new_blocks[-1]:
                    new_blocks.pop()
        else:
            flat = [r for raws in raw_by_block for r in raws]
            new_blocks = [flat[: len(flat) - drop]]
        fork_point = self.tester.get_block_by_number(head - depth)["hash"]
        self.backend.revert_to_snapshot(self.backend.chain.get_canonical_block_by_number(head - depth).hash)
        self.backend.fork += 1
        for raws in new_blocks:
            for r in raws:
                self._send_raw(r, mine=False)
            self.tester.mine_blocks(1)
        now = self.tester.get_block_by_number("latest")["number"]
        if now <= head:
            self.tester.mine_blocks(head + 1 - now)
        now = max(now, head + 1)
        new = [self.tester.get_block_by_number(n)["hash"].lower() for n in range(head - depth + 1, now + 1)]
        return {"forkPoint": fork_point.lower(), "dropped": dropped, "new": new}

    # Pausing and cutting websockets is a transport matter; the server implements these.
    def rpc_sigil_pauseWebsocket(self):
        raise RPCError("handled by the server", code=-32601)


def revert_error(e: Reverted) -> RPCError:
    reason = str(e)
    msg = "execution reverted" + (f": {reason}" if reason and not reason.startswith(("0x", "b'", "b\"")) else "")
    return RPCError(msg, data="0x" + e.data.hex(), code=3)


def error_response(rid, code, message, data=None):
    err = {"code": code, "message": message}
    if data is not None:
        err["data"] = data
    return {"jsonrpc": "2.0", "id": rid, "error": err}
