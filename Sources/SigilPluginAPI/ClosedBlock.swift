public import SigilCore

/// Every event of one closed block the plugin was shown, in chain order (transaction index,
/// then log index), with the pools they touched as of the block's end. Handed to
/// `StrategyPlugin.blockClosed` once no more events of the block can arrive.
public struct ClosedBlock: Sendable {
    public let chainId: UInt64
    public let number: UInt64
    public let events: [MarketEvent]
    /// The state of each pool the block's events touched, after the block.
    public var pools: [Address: PoolSnapshot]
    /// The state of each token whose transfers are among the block's events, after the block.
    public var tokens: [Address: TokenSnapshot]
    /// The block's transactions in order, each read as `TransactionActivity`: read once here,
    /// for every plugin the block is handed to.
    public let activity: [TransactionActivity]

    public init(chainId: UInt64, number: UInt64, events: [MarketEvent], pools: [Address: PoolSnapshot],
                tokens: [Address: TokenSnapshot] = [:]) {
        self.chainId = chainId
        self.number = number
        self.events = events
        self.pools = pools
        self.tokens = tokens
        activity = Self.transactions(of: events).map { TransactionActivity(hash: $0.hash, index: $0.index, events: $0.events) }
    }

    /// The block's transactions in order, each with its events in log order.
    public var transactions: [(hash: Hash32, index: UInt32, events: [MarketEvent])] { Self.transactions(of: events) }

    static func transactions(of events: [MarketEvent]) -> [(hash: Hash32, index: UInt32, events: [MarketEvent])] {
        var out: [(hash: Hash32, index: UInt32, events: [MarketEvent])] = []
        for e in events {
            if let last = out.last, last.hash == e.id.transactionHash {
                out[out.count - 1].events.append(e)
            } else {
                out.append((e.id.transactionHash, e.id.transactionIndex, [e]))
            }
        }
        return out
    }
}
