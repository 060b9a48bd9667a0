# pragma version ~=0.4.3
"""
@title HoneypotProbe
@notice Never deployed: Sigil sends this contract's creation code in an `eth_call` (no `to`),
        so its constructor runs against the state of a chosen block and nothing is kept. With
        the ETH sent along it buys `token` from a Uniswap V2 `pair` of the token and WETH,
        sells everything it received back into the pair, and reverts with what it saw as
        `SigilProbe(uint256[8],bytes)`, so the node hands the figures back as revert data:
        [stage, spent, buyExpected, buyReceived, sellArrived, sellExpected, sellReceived, 0]
        and the revert data of the call that failed, if any (cut to 256 bytes).
        stage: 0 done, 1 not a token/WETH V2 pair (or no liquidity), 2 the buy reverted,
        3 the sell's transfer into the pair reverted, 4 the sell's swap reverted.
"""

interface Pair:
    def getReserves() -> (uint112, uint112, uint32): view
    def token0() -> address: view
    def token1() -> address: view

interface Token:
    def balanceOf(account: address) -> uint256: view

interface Weth:
    def deposit(): payable

DONE: constant(uint256) = 0
NOT_A_PAIR: constant(uint256) = 1
BUY_FAILED: constant(uint256) = 2
SELL_TRANSFER_FAILED: constant(uint256) = 3
SELL_SWAP_FAILED: constant(uint256) = 4


@internal
@pure
def _amount_out(amount_in: uint256, reserve_in: uint256, reserve_out: uint256) -> uint256:
    # UniswapV2Library.getAmountOut (0.3% fee); the inputs are below 2**112 and 2**128.
    with_fee: uint256 = amount_in * 997
    return with_fee * reserve_out // (reserve_in * 1000 + with_fee)


@internal
def _finish(figures: uint256[8], reason: Bytes[256]):
    raw_revert(concat(method_id("SigilProbe(uint256[8],bytes)"), abi_encode(figures, reason)))


@internal
@view
def _reserves(pair: address, token_is_0: bool) -> (uint256, uint256):
    r0: uint112 = 0
    r1: uint112 = 0
    t: uint32 = 0
    r0, r1, t = staticcall Pair(pair).getReserves()
    if token_is_0:
        return convert(r0, uint256), convert(r1, uint256)
    return convert(r1, uint256), convert(r0, uint256)


@internal
def _swap(pair: address, token_is_0: bool, token_out: uint256, weth_out: uint256) -> (bool, Bytes[256]):
    out0: uint256 = token_out
    out1: uint256 = weth_out
    if not token_is_0:
        out0 = weth_out
        out1 = token_out
    ok: bool = False
    response: Bytes[256] = b""
    ok, response = raw_call(pair, abi_encode(out0, out1, self, b"", method_id=method_id("swap(uint256,uint256,address,bytes)")),
                            max_outsize=256, revert_on_failure=False)
    return ok, response


@deploy
@payable
def __init__(pair: address, token: address, weth: address):
    figures: uint256[8] = empty(uint256[8])
    token0: address = staticcall Pair(pair).token0()
    token1: address = staticcall Pair(pair).token1()
    if not ((token0 == token and token1 == weth) or (token1 == token and token0 == weth)):
        figures[0] = NOT_A_PAIR
        self._finish(figures, b"")
    token_is_0: bool = token0 == token
    reserve_token: uint256 = 0
    reserve_weth: uint256 = 0
    reserve_token, reserve_weth = self._reserves(pair, token_is_0)
    # At most 1% of the pool's WETH, so the probe's own price impact stays small.
    spent: uint256 = min(msg.value, reserve_weth // 100)
    if spent == 0 or reserve_token == 0:
        figures[0] = NOT_A_PAIR
        self._finish(figures, b"")
    figures[1] = spent
    extcall Weth(weth).deposit(value=spent)

    # The buy: WETH into the pair, the promised tokens out to this contract.
    ok: bool = False
    response: Bytes[256] = b""
    ok, response = raw_call(weth, abi_encode(pair, spent, method_id=method_id("transfer(address,uint256)")),
                            max_outsize=256, revert_on_failure=False)
    expected: uint256 = self._amount_out(spent, reserve_weth, reserve_token)
    figures[2] = expected
    if ok:
        ok, response = self._swap(pair, token_is_0, expected, 0)
    if not ok:
        figures[0] = BUY_FAILED
        self._finish(figures, response)
    received: uint256 = staticcall Token(token).balanceOf(self)
    figures[3] = received

    # The sell: everything received into the pair, then the WETH its arrival pays for.
    reserve_token, reserve_weth = self._reserves(pair, token_is_0)
    ok, response = raw_call(token, abi_encode(pair, received, method_id=method_id("transfer(address,uint256)")),
                            max_outsize=256, revert_on_failure=False)
    if not ok:
        figures[0] = SELL_TRANSFER_FAILED
        self._finish(figures, response)
    held: uint256 = staticcall Token(token).balanceOf(pair)
    arrived: uint256 = 0
    if held > reserve_token:
        arrived = held - reserve_token
    figures[4] = arrived
    paid: uint256 = self._amount_out(arrived, reserve_token, reserve_weth)
    figures[5] = self._amount_out(received, reserve_token, reserve_weth)
    before: uint256 = staticcall Token(weth).balanceOf(self)
    if paid > 0:
        ok, response = self._swap(pair, token_is_0, 0, paid)
        if not ok:
            figures[0] = SELL_SWAP_FAILED
            self._finish(figures, response)
    figures[6] = staticcall Token(weth).balanceOf(self) - before
    figures[0] = DONE
    self._finish(figures, b"")
