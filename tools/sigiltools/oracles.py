"""Reference answers from independent implementations, for Sigil's differential tests.

    python -m sigiltools.oracles keccak --count N --seed S   # pycryptodome Keccak-256
    python -m sigiltools.oracles abi --count N --seed S      # eth-abi encodings
    python -m sigiltools.oracles replay FILE.jsonl.gz        # web3.py decoding of every log
    python -m sigiltools.oracles keys --count N --seed S     # eth-account addresses, personal_sign
    python -m sigiltools.oracles safetensors DIR --count N   # files written by the safetensors package
    python -m sigiltools.oracles safetensors-read FILE       # what the safetensors package reads
    python -m sigiltools.oracles infer FILE --count N        # numpy forward pass of a model file

Each prints JSON lines on stdout; the Swift tests run these and compare, case by case.
"""
import argparse
import gzip
import json
import os
import random
import sys

ELEMENTARY_WEIGHTS = ["uint", "int", "address", "bool", "bytesN", "bytes", "string"]
ALPHABET = "aZ09 _-\u00e9\u00df\u4e2d\u6587\U0001f600\u0416"


def random_type(rng: random.Random, depth: int = 0) -> str:
    r = rng.random()
    if depth < 2 and r < 0.15:
        return "(" + ",".join(random_type(rng, depth + 1) for _ in range(rng.randint(1, 3))) + ")"
    if depth < 2 and r < 0.30:
        inner = random_type(rng, depth + 1)
        return inner + ("[]" if rng.random() < 0.5 else f"[{rng.randint(1, 3)}]")
    kind = rng.choice(ELEMENTARY_WEIGHTS)
    if kind in ("uint", "int"):
        return f"{kind}{8 * rng.randint(1, 32)}"
    if kind == "bytesN":
        return f"bytes{rng.randint(1, 32)}"
    return kind


def split_tuple(t: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in t[1:-1]:
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
            continue
        depth += ch == "("
        depth -= ch == ")"
        cur += ch
    if cur:
        parts.append(cur)
    return parts


def random_int(rng, lo, hi):
    edge = rng.random()
    if edge < 0.1:
        return lo
    if edge < 0.2:
        return hi
    if edge < 0.3:
        return 0
    if edge < 0.5:
        return rng.randint(max(lo, -1000), min(hi, 1000))
    return rng.randint(lo, hi)


def random_value(rng: random.Random, t: str):
    """(python value for eth-abi, JSON form for Swift)."""
    if t.endswith("]"):
        inner, _, n = t[:-1].rpartition("[")
        count = rng.randint(0, 4) if n == "" else int(n)
        pairs = [random_value(rng, inner) for _ in range(count)]
        return [p for p, _ in pairs], [j for _, j in pairs]
    if t.startswith("("):
        pairs = [random_value(rng, c) for c in split_tuple(t)]
        return tuple(p for p, _ in pairs), [j for _, j in pairs]
    if t.startswith("uint"):
        v = random_int(rng, 0, 2 ** int(t[4:]) - 1)
        return v, str(v)
    if t.startswith("int"):
        bits = int(t[3:])
        v = random_int(rng, -(2 ** (bits - 1)), 2 ** (bits - 1) - 1)
        return v, str(v)
    if t == "address":
        b = bytes(rng.getrandbits(8) for _ in range(20))
        from eth_utils import to_checksum_address
        return to_checksum_address(b), "0x" + b.hex()
    if t == "bool":
        v = rng.random() < 0.5
        return v, v
    if t == "bytes":
        b = bytes(rng.getrandbits(8) for _ in range(rng.choice([0, 1, 31, 32, 33, rng.randint(0, 100)])))
        return b, "0x" + b.hex()
    if t.startswith("bytes"):
        b = bytes(rng.getrandbits(8) for _ in range(int(t[5:])))
        return b, "0x" + b.hex()
    if t == "string":
        s = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 40)))
        return s, s
    raise ValueError(t)


def abi_cases(count: int, seed: int):
    from eth_abi import encode

    rng = random.Random(seed)
    for _ in range(count):
        types = [random_type(rng) for _ in range(rng.randint(1, 4))]
        pairs = [random_value(rng, t) for t in types]
        encoded = encode(types, [p for p, _ in pairs])
        yield {"types": types, "values": [j for _, j in pairs], "encoded": "0x" + encoded.hex()}


def keccak_cases(count: int, seed: int):
    from Crypto.Hash import keccak

    rng = random.Random(seed)
    boundaries = [0, 1, 55, 56, 135, 136, 137, 271, 272, 273]
    for i in range(count):
        n = boundaries[i] if i < len(boundaries) else rng.choice([rng.randint(0, 300), rng.randint(0, 3000)])
        data = bytes(rng.getrandbits(8) for _ in range(n))
        yield {"input": "0x" + data.hex(), "keccak256": "0x" + keccak.new(data=data, digest_bits=256).hexdigest()}


def key_cases(count: int, seed: int):
    """Random keys with their address and an EIP-191 personal_sign signature of a random message."""
    from eth_account import Account
    from eth_account.messages import encode_defunct

    rng = random.Random(seed)
    for _ in range(count):
        key = rng.randint(1, SECP256K1_N - 1).to_bytes(32, "big")
        message = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 200)))
        acct = Account.from_key(key)
        sig = acct.sign_message(encode_defunct(primitive=message)).signature
        yield {"key": "0x" + key.hex(), "address": acct.address.lower(), "message": "0x" + message.hex(), "signature": "0x" + bytes(sig).hex()}


SECP256K1_N = 2**256 - 432420386565659656852420866394968145599


def keystore_cases(out_dir: str, count: int, seed: int):
    """eth-account keystores (scrypt and pbkdf2, light parameters) written to out_dir, with the key
    and password each holds."""
    from eth_account import Account

    rng = random.Random(seed)
    for i in range(count):
        key = rng.randint(1, SECP256K1_N - 1).to_bytes(32, "big")
        password = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789 ü€") for _ in range(rng.randint(0, 24)))
        kdf = "scrypt" if i % 2 == 0 else "pbkdf2"
        ks = Account.encrypt(key, password, kdf=kdf, iterations=(1 << 10) if kdf == "scrypt" else 1000)
        path = os.path.join(out_dir, f"eth-account-{i}.json")
        with open(path, "w") as f:
            json.dump(ks, f)
        yield {"path": path, "key": "0x" + key.hex(), "password": password, "kdf": kdf, "address": Account.from_key(key).address.lower()}


def keystore_read(out_dir: str):
    """Decrypts, with eth-account, every `sigil-*.json` keystore in out_dir whose password is in
    the `passwords.json` beside them."""
    from eth_account import Account

    passwords = json.load(open(os.path.join(out_dir, "passwords.json")))
    for name in sorted(passwords):
        with open(os.path.join(out_dir, name)) as f:
            ks = json.load(f)
        key = Account.decrypt(ks, passwords[name])
        yield {"name": name, "key": "0x" + bytes(key).hex(), "address": Account.from_key(key).address.lower()}


def tx1559_cases(count: int, seed: int):
    """Random EIP-1559 transactions signed by eth-account: the fields, the key, the raw bytes and hash."""
    from eth_account import Account

    rng = random.Random(seed)
    for _ in range(count):
        key = rng.randint(1, SECP256K1_N - 1).to_bytes(32, "big")
        tx = {
            "type": 2, "chainId": rng.choice([1, 5, 131277322940537, rng.randint(1, 2**40)]),
            "nonce": rng.choice([0, 1, rng.randint(0, 2**32)]),
            "maxPriorityFeePerGas": rng.choice([0, 10**9, rng.randint(0, 2**80)]),
            "maxFeePerGas": rng.choice([10**9, rng.randint(0, 2**100)]),
            "gas": rng.choice([21000, rng.randint(21000, 30_000_000)]),
            "to": rng.choice(["", "0x" + bytes(rng.getrandbits(8) for _ in range(20)).hex()]),
            "value": rng.choice([0, 1, rng.randint(0, 2**200)]),
            "data": "0x" + bytes(rng.getrandbits(8) for _ in range(rng.choice([0, 1, 4, 55, 56, 300]))).hex(),
            "accessList": [],
        }
        signed_tx = dict(tx)
        if not signed_tx["to"]:
            del signed_tx["to"]
        else:
            from eth_utils import to_checksum_address
            signed_tx["to"] = to_checksum_address(signed_tx["to"])
        signed = Account.sign_transaction(signed_tx, key)
        tx["value"] = str(tx["value"])
        tx["maxPriorityFeePerGas"] = str(tx["maxPriorityFeePerGas"])
        tx["maxFeePerGas"] = str(tx["maxFeePerGas"])
        yield {"key": "0x" + key.hex(), "tx": tx, "raw": "0x" + bytes(signed.raw_transaction).hex(), "hash": "0x" + bytes(signed.hash).hex()}


def replay_cases(path: str):
    """Decodes every Uniswap log in a recorded file with web3.py's contract event decoder."""
    from web3 import Web3

    from . import contracts
    from .scenarios import TOPICS

    w3 = Web3()
    abis = {
        "v2": contracts.load_uniswap("UniswapV2Pair")["abi"], "v2f": contracts.load_uniswap("UniswapV2Factory")["abi"],
        "v3": contracts.load_uniswap("UniswapV3Pool")["abi"], "v3f": contracts.load_uniswap("UniswapV3Factory")["abi"],
    }
    events = {}
    for kind, topic in TOPICS.items():
        abi = abis[{"v2.pair_created": "v2f", "v3.pool_created": "v3f"}.get(kind, kind[:2])]
        name = {"swap": "Swap", "sync": "Sync", "mint": "Mint", "burn": "Burn", "pair_created": "PairCreated", "pool_created": "PoolCreated"}[kind[3:]]
        events[topic] = (kind, w3.eth.contract(abi=abi).events[name]())
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as f:
        for line in f:
            r = json.loads(line)["params"]["result"]
            if "topics" not in r:
                continue
            kind, ev = events[r["topics"][0]]
            log = {"address": Web3.to_checksum_address(r["address"]), "topics": [bytes.fromhex(t[2:]) for t in r["topics"]],
                   "data": bytes.fromhex(r["data"][2:]), "blockNumber": int(r["blockNumber"], 16),
                   "transactionHash": bytes.fromhex(r["transactionHash"][2:]), "transactionIndex": int(r["transactionIndex"], 16),
                   "blockHash": bytes.fromhex(r["blockHash"][2:]), "logIndex": int(r["logIndex"], 16), "removed": r["removed"]}
            d = ev.process_log(log)
            args = {k: (v.lower() if isinstance(v, str) else str(v)) for k, v in d["args"].items()}
            yield {"kind": kind, "emitter": d["address"].lower(), "blockHash": "0x" + d["blockHash"].hex(),
                   "blockNumber": d["blockNumber"], "transactionHash": "0x" + d["transactionHash"].hex(),
                   "transactionIndex": d["transactionIndex"], "logIndex": d["logIndex"], "removed": r["removed"], "args": args}


def safetensors_cases(out_dir: str, count: int, seed: int):
    """Writes `count` files with the safetensors package (random F32 tensors and metadata) and
    describes each: path, metadata, tensors with shape and values."""
    import os

    import numpy as np
    from safetensors.numpy import save_file

    rng = random.Random(seed)
    os.makedirs(out_dir, exist_ok=True)
    for i in range(count):
        tensors = {}
        for k in range(rng.randint(1, 5)):
            shape = [rng.randint(0 if k == 4 else 1, 6) for _ in range(rng.randint(0, 3))]
            tensors[f"t{k}.{rng.choice(['weight', 'bias', 'w'])}"] = np.array(
                [rng.uniform(-10, 10) for _ in range(int(np.prod(shape)))], dtype=np.float32).reshape(shape)
        metadata = {"architecture": rng.choice(["logistic", "mlp"]), "features": "a,b,c", "note": "\u00e9\u4e2d"}
        path = os.path.join(out_dir, f"case{i}.safetensors")
        save_file(tensors, path, metadata=metadata)
        yield {"path": path, "metadata": metadata,
               "tensors": {n: {"shape": list(t.shape), "values": [float(x) for x in t.reshape(-1)]} for n, t in tensors.items()}}


def safetensors_read(path: str):
    """What the safetensors package reads from a file (metadata and F32 tensors)."""
    from safetensors import safe_open

    with safe_open(path, framework="numpy") as f:
        yield {"metadata": f.metadata() or {},
               "tensors": {n: {"shape": list(f.get_tensor(n).shape), "values": [float(x) for x in f.get_tensor(n).reshape(-1)]} for n in f.keys()}}


def infer_cases(path: str, count: int, seed: int):
    """numpy's forward pass of a Sigil model file (see NeuralModel) on random feature rows."""
    import numpy as np
    from safetensors import safe_open

    with safe_open(path, framework="numpy") as f:
        meta = f.metadata()
        tensors = {k: f.get_tensor(k).astype(np.float64) for k in f.keys()}
    names = meta["features"].split(",")
    mean = np.array([float(v) for v in meta["normalization.mean"].split(",")])
    std = np.array([float(v) for v in meta["normalization.std"].split(",")])
    acts = meta["activations"].split(",")
    fns = {"relu": lambda x: np.maximum(x, 0), "tanh": np.tanh, "sigmoid": lambda x: 1 / (1 + np.exp(-x)), "identity": lambda x: x}
    rng = np.random.default_rng(seed)
    rows = rng.normal(size=(count, len(names))) * std + mean
    x = (rows - mean) / std
    for i, act in enumerate(acts):
        x = fns[act](x @ tensors[f"layer{i}.weight"].T + tensors[f"layer{i}.bias"])
    for r, y in zip(rows, x):
        yield {"features": [float(v) for v in r.astype(np.float32)], "output": float(y[0])}


def main(argv=None):
    p = argparse.ArgumentParser(prog="oracles")
    p.add_argument("what", choices=["keccak", "abi", "replay", "keys", "safetensors", "safetensors-read", "infer",
                                    "keystores", "keystore-read", "tx1559"])
    p.add_argument("path", nargs="?")
    p.add_argument("--count", type=int, default=10_000)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args(argv)
    gen = {"keccak": lambda: keccak_cases(a.count, a.seed), "abi": lambda: abi_cases(a.count, a.seed),
           "keys": lambda: key_cases(a.count, a.seed),
           "safetensors": lambda: safetensors_cases(a.path, a.count, a.seed), "safetensors-read": lambda: safetensors_read(a.path),
           "infer": lambda: infer_cases(a.path, a.count, a.seed), "replay": lambda: replay_cases(a.path),
           "keystores": lambda: keystore_cases(a.path, a.count, a.seed), "keystore-read": lambda: keystore_read(a.path),
           "tx1559": lambda: tx1559_cases(a.count, a.seed)}[a.what]()
    out = sys.stdout
    for case in gen:
        out.write(json.dumps(case, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
