"""Publish model files to a ModelRegistry on a devnet and write the registry snapshot.

    python -m sigiltools.registry_snapshot --out models/registry-snapshot.json \\
        sigil/model-signal=models/model-signal-logistic.safetensors …

Each NAME=FILE is published as model id keccak256(NAME) with the file's SHA-256 and the uri
file://FILE, by the devnet's account 2 (authorised by account 1, the registry's owner). The
snapshot is the eth_getLogs answer for the registry's events, which `sigil run` and
`sigil verify-model --snapshot` read. Deterministic: the same files give the same snapshot.
"""
import argparse
import hashlib
import json

from eth_utils import keccak

from .client import Devnet
from .drive import publish


def main(argv=None):
    p = argparse.ArgumentParser(prog="registry_snapshot")
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("models", nargs="+", help="NAME=FILE")
    a = p.parse_args(argv)
    entries = []
    for spec in a.models:
        name, _, path = spec.partition("=")
        with open(path, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        entries.append(["0x" + keccak(text=name).hex(), "0x" + digest, "file://" + path, "0x" + "00" * 20])
    with Devnet(seed=a.seed) as devnet:
        answer = publish(devnet.rpc, entries)
        snapshot = {"chainId": devnet.chain_id, "address": answer["registry"], "publisher": answer["publisher"],
                    "models": {spec.partition("=")[0]: e[1] for spec, e in zip(a.models, entries)}, "logs": answer["logs"]}
    with open(a.out, "w") as f:
        json.dump(snapshot, f, indent=1)
        f.write("\n")
    print(f"published {len(entries)} model(s) to {answer['registry']}; snapshot {a.out}")


if __name__ == "__main__":
    main()
