# pragma version ~=0.4.3
"""
@title TaxToken
@notice A token for the fraud scenarios that takes a tax on every sell into its pool: the
        owner sets the pool and a rate in basis points (up to 10,000 = everything), and a
        transfer into the pool from anyone but the owner sends that share to the owner instead.
        At a modest rate it is an ordinary "tax token"; at a rate near 100% it is a honeypot
        whose sells go through but return almost nothing. Test chains only.
"""

event Transfer:
    sender: indexed(address)
    receiver: indexed(address)
    value: uint256

event Approval:
    owner: indexed(address)
    spender: indexed(address)
    value: uint256

name: public(String[32])
symbol: public(String[16])
decimals: public(uint8)
totalSupply: public(uint256)
balanceOf: public(HashMap[address, uint256])
allowance: public(HashMap[address, HashMap[address, uint256]])
owner: public(address)
pool: public(address)
exempt: public(HashMap[address, bool])
sellTaxBps: public(uint256)


@deploy
def __init__(name: String[32], symbol: String[16], decimals: uint8, supply: uint256):
    self.name = name
    self.symbol = symbol
    self.decimals = decimals
    self.totalSupply = supply
    self.owner = msg.sender
    self.balanceOf[msg.sender] = supply
    log Transfer(sender=empty(address), receiver=msg.sender, value=supply)


@external
def setSellTax(pool: address, bps: uint256):
    """@notice From now on a sell into `pool` by anyone but the owner pays `bps` to the owner."""
    assert msg.sender == self.owner, "not owner"
    assert bps <= 10000, "rate above 100%"
    self.pool = pool
    self.sellTaxBps = bps


@external
def setExempt(account: address, exempt: bool):
    """@notice Lets `account` sell like the owner (a privileged seller)."""
    assert msg.sender == self.owner, "not owner"
    self.exempt[account] = exempt


@internal
def _move(sender: address, receiver: address, amount: uint256):
    self.balanceOf[sender] -= amount
    self.balanceOf[receiver] += amount
    log Transfer(sender=sender, receiver=receiver, value=amount)


@internal
def _transfer(sender: address, receiver: address, amount: uint256):
    assert receiver != empty(address), "transfer to zero"
    if receiver == self.pool and sender != self.owner and not self.exempt[sender] and self.sellTaxBps > 0:
        tax: uint256 = amount * self.sellTaxBps // 10000
        self._move(sender, self.owner, tax)
        self._move(sender, receiver, amount - tax)
    else:
        self._move(sender, receiver, amount)


@external
def transfer(receiver: address, amount: uint256) -> bool:
    self._transfer(msg.sender, receiver, amount)
    return True


@external
def transferFrom(sender: address, receiver: address, amount: uint256) -> bool:
    allowed: uint256 = self.allowance[sender][msg.sender]
    if allowed != max_value(uint256):
        self.allowance[sender][msg.sender] = allowed - amount
    self._transfer(sender, receiver, amount)
    return True


@external
def approve(spender: address, amount: uint256) -> bool:
    self.allowance[msg.sender][spender] = amount
    log Approval(owner=msg.sender, spender=spender, value=amount)
    return True
