public import SigilCore

/// What the runtime knows of one ERC-20 token whose transfers a feed follows (the tokens of the
/// watched pools), as a plugin sees it: read-only, current as of the transfer being handled
/// (that transfer already counted). Balances per holder are a plugin's to keep, in its `state`,
/// with the bound it needs.
public struct TokenSnapshot: Hashable, Sendable, Codable {
    public var address: Address
    /// The pools the runtime knows that trade this token (from their factories' creation events).
    public var pools: [Address]
    /// The sum of transfers from the zero address (mints) and to it (burns) that the feed saw.
    public var minted: UInt256
    public var burned: UInt256
    /// The first account that received minted tokens, when the feed saw that mint.
    public var firstMintTo: Address?
    public var transferCount: Int
    /// The first and the latest block of a transfer the feed saw.
    public var firstBlock: UInt64
    public var lastBlock: UInt64

    public init(address: Address, firstBlock: UInt64) {
        self.address = address
        pools = []
        minted = .zero
        burned = .zero
        transferCount = 0
        self.firstBlock = firstBlock
        lastBlock = firstBlock
    }
}
