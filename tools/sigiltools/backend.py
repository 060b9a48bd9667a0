"""A py-evm backend whose blocks are reproducible.

eth-tester's PyEVMBackend stamps each block with wall-clock time and a random mix hash, so two
runs of the same transactions give different block hashes. Recorded scenarios must be
reproducible from a seed, so this backend derives the mix hash from (seed, block number) and
advances time by a fixed block interval from a fixed genesis timestamp.
"""
import hashlib

from eth.vm.forks import ParisVM, PragueVM
from eth.vm.forks.cancun import get_total_blob_gas
from eth_tester import PyEVMBackend
from eth_tester.exceptions import TransactionFailed
from eth_utils import to_tuple

ZERO_ADDRESS = b"\x00" * 20


class Reverted(Exception):
    """An eth_call or gas estimate that reverted, with the raw revert data."""

    def __init__(self, message: str, data: bytes):
        super().__init__(message)
        self.data = data


class DeterministicBackend(PyEVMBackend):
    def __init__(self, seed: int, genesis_timestamp: int, block_time: int):
        self.seed = seed
        self.block_time = block_time
        # Bumped by each reorg so that a replacement branch never repeats the blocks it
        # replaces, even with the same transactions at the same heights.
        self.fork = 0
        params = PyEVMBackend.generate_genesis_params(overrides={"timestamp": genesis_timestamp})
        super().__init__(genesis_parameters=params)
        self._set_pending_timestamp()

    def _set_pending_timestamp(self):
        parent = self.chain.get_canonical_head()
        self.chain.header = self.chain.header.copy(timestamp=parent.timestamp + self.block_time)

    def _mix_hash(self, number: int) -> bytes:
        return hashlib.sha256(b"sigil-devnet:%d:%d:%d" % (self.seed, self.fork, number)).digest()

    @to_tuple
    def mine_blocks(self, num_blocks=1, coinbase=ZERO_ADDRESS):
        for _ in range(num_blocks):
            kwargs = {"coinbase": coinbase}
            if isinstance(self.chain.get_vm(), ParisVM):
                kwargs["mix_hash"] = self._mix_hash(self.chain.header.block_number)
            if isinstance(self.chain.get_vm(), PragueVM):
                txs = self.chain.get_block().transactions
                kwargs["blob_gas_used"] = sum(get_total_blob_gas(tx) for tx in txs)
            block = self.chain.mine_block(**kwargs)
            self._set_pending_timestamp()
            yield block.hash

    def revert_to_snapshot(self, snapshot):
        super().revert_to_snapshot(snapshot)
        self._set_pending_timestamp()

    # Set by the node around an eth_call that named no fee: like geth, such a call costs the
    # sender nothing, so the sender is credited for the call inside the reverted snapshot.
    free_call = False

    def call(self, transaction, block_number="latest"):
        from eth_tester.backends.pyevm.main import EVMSpoofTransaction, _get_vm_for_block_number

        tx = dict(transaction)
        tx.setdefault("gas", self._max_available_gas())
        unsigned = self._get_normalized_and_unsigned_evm_transaction(tx, block_number)
        spoof = EVMSpoofTransaction(unsigned, from_=transaction["from"])
        state = _get_vm_for_block_number(self.chain, block_number).state
        snapshot = state.snapshot()
        try:
            if self.free_call:
                price = tx.get("gas_price") or tx.get("max_fee_per_gas") or 0
                state.delta_balance(transaction["from"], tx["gas"] * price + tx.get("value", 0))
            computation = state.apply_transaction(spoof)
        finally:
            state.revert(snapshot)
        if computation.is_error:
            output = bytes(computation.output or b"")
            raise Reverted(revert_reason(output) or str(computation.error), output)
        return computation.output

    def estimate_gas(self, transaction, block_number="latest"):
        try:
            return super().estimate_gas(transaction, block_number)
        except TransactionFailed as e:
            raise Reverted(str(e), self._revert_data(transaction, block_number)) from e

    def _revert_data(self, transaction, block_number) -> bytes:
        """Re-executes a failed call to read its raw revert output."""
        from eth_tester.backends.pyevm.main import EVMSpoofTransaction, _execute_and_revert_transaction

        tx = dict(transaction)
        tx.setdefault("gas", self._max_available_gas())
        unsigned = self._get_normalized_and_unsigned_evm_transaction(tx, block_number)
        computation = _execute_and_revert_transaction(
            self.chain, EVMSpoofTransaction(unsigned, from_=transaction["from"]), block_number
        )
        return bytes(computation.output or b"")


def revert_reason(output: bytes) -> str:
    """The message of a Solidity/Vyper `Error(string)` revert, or empty."""
    if output[:4] != bytes.fromhex("08c379a0"):
        return ""
    try:
        from eth_abi import decode

        return decode(["string"], output[4:])[0]
    except Exception:
        return ""
