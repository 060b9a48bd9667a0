"""Formatting between eth-tester's Python values and a production node's JSON-RPC wire format.

Every quantity is 0x-hex without leading zeros, every byte string 0x-hex, keys camelCase, in
the order go-ethereum uses, so a client written against this node works against a real one.
"""
from eth_utils import to_checksum_address

BLOCK_HEADER_KEYS = [
    ("parent_hash", "parentHash"), ("sha3_uncles", "sha3Uncles"), ("coinbase", "miner"),
    ("state_root", "stateRoot"), ("transactions_root", "transactionsRoot"),
    ("receipts_root", "receiptsRoot"), ("logs_bloom", "logsBloom"), ("difficulty", "difficulty"),
    ("number", "number"), ("gas_limit", "gasLimit"), ("gas_used", "gasUsed"),
    ("timestamp", "timestamp"), ("extra_data", "extraData"), ("mix_hash", "mixHash"),
    ("nonce", "nonce"), ("base_fee_per_gas", "baseFeePerGas"),
    ("withdrawals_root", "withdrawalsRoot"), ("blob_gas_used", "blobGasUsed"),
    ("excess_blob_gas", "excessBlobGas"), ("parent_beacon_block_root", "parentBeaconBlockRoot"),
    ("requests_hash", "requestsHash"), ("hash", "hash"),
]

TX_KEYS = [
    ("block_hash", "blockHash"), ("block_number", "blockNumber"), ("from", "from"),
    ("gas", "gas"), ("gas_price", "gasPrice"), ("max_fee_per_gas", "maxFeePerGas"),
    ("max_priority_fee_per_gas", "maxPriorityFeePerGas"), ("hash", "hash"), ("data", "input"),
    ("nonce", "nonce"), ("to", "to"), ("transaction_index", "transactionIndex"),
    ("value", "value"), ("type", "type"), ("access_list", "accessList"), ("chain_id", "chainId"),
    ("v", "v"), ("r", "r"), ("s", "s"), ("y_parity", "yParity"),
]

RECEIPT_KEYS = [
    ("block_hash", "blockHash"), ("block_number", "blockNumber"),
    ("contract_address", "contractAddress"), ("cumulative_gas_used", "cumulativeGasUsed"),
    ("effective_gas_price", "effectiveGasPrice"), ("from", "from"), ("gas_used", "gasUsed"),
    ("logs", "logs"), ("logs_bloom", "logsBloom"), ("status", "status"), ("to", "to"),
    ("transaction_hash", "transactionHash"), ("transaction_index", "transactionIndex"),
    ("type", "type"),
]


def qty(v: int) -> str:
    return hex(int(v))


def data(v) -> str:
    if isinstance(v, (bytes, bytearray)):
        return "0x" + bytes(v).hex()
    return v.lower() if isinstance(v, str) else v


def addr(v):
    return None if v in (None, "", b"") else data(v).lower()


def bloom(v) -> str:
    if isinstance(v, int):
        return "0x" + v.to_bytes(256, "big").hex()
    return data(v)


def _value(key: str, v):
    if v is None:
        return None
    if key in ("logs_bloom",):
        return bloom(v)
    if key in ("from", "to", "coinbase", "contract_address", "address"):
        return addr(v)
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        return qty(v)
    if isinstance(v, (bytes, bytearray, str)):
        return data(v)
    return v


def log(entry: dict, removed: bool = False) -> dict:
    return {
        "address": addr(entry["address"]),
        "topics": [data(t) for t in entry["topics"]],
        "data": data(entry["data"]),
        "blockNumber": qty(entry["block_number"]),
        "transactionHash": data(entry["transaction_hash"]),
        "transactionIndex": qty(entry["transaction_index"]),
        "blockHash": data(entry["block_hash"]),
        "logIndex": qty(entry["log_index"]),
        "removed": removed,
    }


def access_list(items) -> list:
    return [
        {"address": addr(i["address"]), "storageKeys": [data(k) for k in i["storage_keys"]]}
        for i in items or []
    ]


def transaction(tx: dict) -> dict:
    out = {}
    for src, dst in TX_KEYS:
        if src not in tx:
            continue
        if src == "access_list":
            out[dst] = access_list(tx[src])
        else:
            out[dst] = _value(src, tx[src])
    return out


def header(block: dict) -> dict:
    return {dst: _value(src, block[src]) for src, dst in BLOCK_HEADER_KEYS if src in block}


def block(b: dict, full: bool) -> dict:
    out = header(b)
    out["size"] = qty(b["size"])
    out["totalDifficulty"] = qty(b.get("total_difficulty", 0))
    txs = b["transactions"]
    out["transactions"] = [transaction(t) for t in txs] if full else [data(t if isinstance(t, str) else t["hash"]) for t in txs]
    out["uncles"] = [data(u) for u in b.get("uncles", [])]
    out["withdrawals"] = [
        {"index": qty(w["index"]), "validatorIndex": qty(w["validator_index"]),
         "address": addr(w["address"]), "amount": qty(w["amount"])}
        for w in b.get("withdrawals", [])
    ]
    return out


def receipt(r: dict) -> dict:
    out = {}
    for src, dst in RECEIPT_KEYS:
        if src == "logs":
            out[dst] = [log(entry) for entry in r["logs"]]
        elif src in r:
            out[dst] = _value(src, r[src])
    return out


# --- request side -------------------------------------------------------------------------

def parse_qty(v, name="value") -> int:
    if isinstance(v, int) and not isinstance(v, bool):
        return v
    if isinstance(v, str) and v.startswith("0x") and len(v) > 2:
        return int(v, 16)
    raise InvalidParams(f"{name}: expected a 0x-hex quantity, got {v!r}")


def parse_block_tag(v):
    if v is None:
        return "latest"
    if v in ("latest", "earliest", "pending", "safe", "finalized"):
        return v
    return parse_qty(v, "block")


def parse_call(tx: dict) -> dict:
    if not isinstance(tx, dict):
        raise InvalidParams("transaction object expected")
    out = {}
    for k, v in tx.items():
        if v is None:
            continue
        if k in ("from", "to"):
            out[k] = parse_address(v)
        elif k in ("gas", "gasPrice", "value", "nonce", "maxFeePerGas", "maxPriorityFeePerGas"):
            key = {"gasPrice": "gas_price", "maxFeePerGas": "max_fee_per_gas",
                   "maxPriorityFeePerGas": "max_priority_fee_per_gas"}.get(k, k)
            out[key] = parse_qty(v, k)
        elif k in ("data", "input"):
            out["data"] = v
        elif k in ("chainId", "type", "accessList"):
            continue
        else:
            raise InvalidParams(f"unknown transaction field {k!r}")
    out.setdefault("from", "0x0000000000000000000000000000000000000000")
    return out


def names_fee(call: dict) -> bool:
    return bool({"gas_price", "max_fee_per_gas", "max_priority_fee_per_gas"} & set(call))


class RPCError(Exception):
    code = -32000

    def __init__(self, message: str, data=None, code=None):
        super().__init__(message)
        self.message = message
        self.data = data
        if code is not None:
            self.code = code


class InvalidParams(RPCError):
    code = -32602


def parse_address(v) -> str:
    if not (isinstance(v, str) and len(v) == 42 and v.startswith("0x")):
        raise InvalidParams(f"expected a 20-byte 0x-hex address, got {v!r}")
    try:
        return to_checksum_address(v)
    except ValueError as e:
        raise InvalidParams(f"invalid address {v!r}") from e
