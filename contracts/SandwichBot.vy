# pragma version ~=0.4.3
"""
@title SandwichBot
@notice A searcher's contract for the fraud scenarios: its owner calls `swap` and the bot trades
        its own tokens straight against a Uniswap V2 pair, no router: it sends `amount_in` of
        `token_in` to the pair and asks for the whole output, to itself. The pair's Swap log
        then names the bot as sender and recipient, and the owner appears nowhere in the logs.
        Test chains only.
"""

interface ERC20:
    def transfer(receiver: address, amount: uint256) -> bool: nonpayable

interface Pair:
    def token0() -> address: view
    def getReserves() -> (uint112, uint112, uint32): view
    def swap(amount0Out: uint256, amount1Out: uint256, to: address, data: Bytes[32]): nonpayable

owner: public(address)


@deploy
def __init__():
    self.owner = msg.sender


@external
def swap(pair: address, token_in: address, amount_in: uint256) -> uint256:
    """@notice Sells `amount_in` of `token_in` (held by the bot) into `pair`; returns the output."""
    assert msg.sender == self.owner, "not owner"
    r0: uint112 = 0
    r1: uint112 = 0
    ts: uint32 = 0
    r0, r1, ts = staticcall Pair(pair).getReserves()
    zero_in: bool = token_in == staticcall Pair(pair).token0()
    reserve_in: uint256 = convert(r1, uint256)
    reserve_out: uint256 = convert(r0, uint256)
    if zero_in:
        reserve_in = convert(r0, uint256)
        reserve_out = convert(r1, uint256)
    with_fee: uint256 = amount_in * 997
    out: uint256 = with_fee * reserve_out // (reserve_in * 1000 + with_fee)
    assert out > 0, "no output"
    assert extcall ERC20(token_in).transfer(pair, amount_in), "transfer failed"
    if zero_in:
        extcall Pair(pair).swap(0, out, self, b"")
    else:
        extcall Pair(pair).swap(out, 0, self, b"")
    return out


@external
def withdraw(token: address, amount: uint256):
    """@notice Sends `amount` of `token` to the owner."""
    assert msg.sender == self.owner, "not owner"
    assert extcall ERC20(token).transfer(self.owner, amount), "transfer failed"
