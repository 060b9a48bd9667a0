public import SigilCore
public import SigilPluginAPI

/// The runtime's state of every ERC-20 token the feeds follow, updated transfer by transfer and
/// told of each pool created for it. Bounded: past `capacity` tokens the least recently active
/// tenth is forgotten (a token that trades again starts a new record).
public struct TokenBook: Sendable {
    public private(set) var tokens: [Address: TokenSnapshot] = [:]
    public let capacity: Int
    /// Pools remembered per token.
    public static let poolsPerToken = 64

    public init(tokens: [Address: TokenSnapshot] = [:], capacity: Int = 100_000) {
        self.tokens = tokens
        self.capacity = max(capacity, 10)
    }

    public subscript(address: Address) -> TokenSnapshot? { tokens[address] }

    /// The tokens some known pool trades: what a chain feed follows the transfers of.
    public var pooled: Set<Address> { Set(tokens.values.lazy.filter { !$0.pools.isEmpty }.map(\.address)) }

    /// Applies a transfer and returns its token's snapshot; nil for any other event.
    public mutating func apply(_ event: MarketEvent) -> TokenSnapshot? {
        guard !event.removed, case .erc20Transfer(let from, let to, let value) = event.payload else { return nil }
        let block = event.id.blockNumber
        var t = take(event.emitter, at: block)
        if from == .zero {
            t.minted = t.minted.addingSaturated(value)
            if t.firstMintTo == nil { t.firstMintTo = to }
        }
        if to == .zero { t.burned = t.burned.addingSaturated(value) }
        t.transferCount += 1
        t.firstBlock = min(t.firstBlock, block)
        t.lastBlock = max(t.lastBlock, block)
        put(t)
        return t
    }

    /// Records that `pool` trades `token0` and `token1` (a factory's creation event).
    public mutating func notePool(_ pool: PoolSnapshot) {
        for token in [pool.token0, pool.token1].compactMap({ $0 }) {
            var t = take(token, at: pool.createdBlock ?? pool.lastBlock)
            if !t.pools.contains(pool.address), t.pools.count < Self.poolsPerToken { t.pools.append(pool.address) }
            put(t)
        }
    }

    mutating func take(_ token: Address, at block: UInt64) -> TokenSnapshot {
        tokens.removeValue(forKey: token) ?? TokenSnapshot(address: token, firstBlock: block)
    }

    mutating func put(_ t: TokenSnapshot) {
        tokens[t.address] = t
        guard tokens.count > capacity else { return }
        let stale = tokens.values.sorted { ($0.lastBlock, $0.address) < ($1.lastBlock, $1.address) }.prefix(capacity / 10)
        for s in stale where s.address != t.address { tokens[s.address] = nil }
    }
}
