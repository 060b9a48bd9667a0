from eth_abi import encode
from eth_utils import function_signature_to_4byte_selector, keccak

from sigiltools import contracts
from sigiltools.client import DEV_KEYS, Wallet


def selector(sig: str) -> str:
    return "0x" + function_signature_to_4byte_selector(sig).hex()


def calldata(sig: str, types: list, values: list) -> str:
    return selector(sig) + encode(types, values).hex()


def deploy_token(devnet, key_index=0, supply=10**24):
    w = Wallet(devnet.rpc, DEV_KEYS[key_index], devnet.chain_id)
    art = contracts.load("Token")
    addr = w.deploy(art["bytecode"], encode(["string", "string", "uint8", "uint256"], ["Test", "TST", 18, supply]))
    return w, addr


TRANSFER_TOPIC = "0x" + keccak(text="Transfer(address,address,uint256)").hex()
