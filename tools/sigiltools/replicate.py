"""Builds a long recording from a short one: the recording played `copies` times as new chain
segments. Copy k shifts every block number past the previous copy and renames every block and
transaction hash (so every event is a new event); the first head of each copy names the last
head of the previous copy as its parent, so the heads form one chain. Streams: the output is
written frame by frame, gzip-compressed when its name ends in .gz.

    python -m sigiltools.replicate data/replay/sigil-scenarios.jsonl.gz --copies 100 --out /tmp/long.jsonl.gz
"""
import argparse
import gzip
import hashlib
import json


def opener(path, mode):
    return gzip.open(path, mode + "t", encoding="utf-8") if path.endswith(".gz") else open(path, mode, encoding="utf-8")


def renamed(h: str, k: int) -> str:
    if k == 0:
        return h
    return "0x" + hashlib.sha256(f"copy {k} {h}".encode()).hexdigest()


def main(argv=None):
    p = argparse.ArgumentParser(prog="replicate")
    p.add_argument("recording")
    p.add_argument("--copies", type=int, required=True)
    p.add_argument("--out", required=True)
    a = p.parse_args(argv)
    span = 0
    with opener(a.recording, "r") as f:
        for line in f:
            r = json.loads(line).get("params", {}).get("result", {})
            if isinstance(r, dict) and ("blockNumber" in r or "parentHash" in r):
                span = max(span, int(r.get("number", r.get("blockNumber")), 16))
    span += 1
    frames = 0
    last_head = None
    with opener(a.out, "w") as out:
        for k in range(a.copies):
            shift = k * span
            first = True
            with opener(a.recording, "r") as f:
                for line in f:
                    msg = json.loads(line)
                    r = msg.get("params", {}).get("result")
                    if isinstance(r, dict) and "parentHash" in r:
                        parent = last_head if (first and last_head) else renamed(r["parentHash"], k)
                        r["number"] = hex(int(r["number"], 16) + shift)
                        r["hash"] = renamed(r["hash"], k)
                        r["parentHash"] = parent
                        last_head, first = r["hash"], False
                    elif isinstance(r, dict) and "blockNumber" in r:
                        r["blockNumber"] = hex(int(r["blockNumber"], 16) + shift)
                        r["blockHash"] = renamed(r["blockHash"], k)
                        r["transactionHash"] = renamed(r["transactionHash"], k)
                    out.write(json.dumps(msg, separators=(",", ":")) + "\n")
                    frames += 1
    print(json.dumps({"frames": frames, "copies": a.copies, "blocksPerCopy": span}))


if __name__ == "__main__":
    main()
