public import SigilCore

/// What the runtime knows of one off-chain market (a Hyperliquid coin), as a plugin sees it:
/// read-only, current as of the event being handled (that event already applied). The
/// off-chain counterpart of `PoolSnapshot`.
public struct MarketSnapshot: Hashable, Sendable, Codable {
    /// The venue (`hyperliquid`).
    public var venue: String
    /// The coin (`BTC`).
    public var coin: String
    /// The market's stable pseudo-address (the events' emitter): what signals and alerts name
    /// as their `pool`.
    public var address: Address
    public var lastPrice: Double?
    public var bestBid: Double?
    public var bestAsk: Double?
    /// Source time of the last trade or book top, milliseconds.
    public var lastTimeMs: UInt64
    public var tradeCount: Int
    /// The most recent trades, oldest first (at most `MarketSnapshot.tradeHistory`).
    public var recentTrades: [TradePoint]

    /// How many trades `recentTrades` keeps.
    public static let tradeHistory = 256

    public init(venue: String, coin: String, address: Address) {
        self.venue = venue
        self.coin = coin
        self.address = address
        lastTimeMs = 0
        tradeCount = 0
        recentTrades = []
    }

    /// The mid of the book top when both sides are known, else the last trade's price.
    public var price: Double? {
        if let b = bestBid, let a = bestAsk { return (a + b) / 2 }
        return lastPrice
    }
}

/// One off-chain trade as plugins see it.
public struct TradePoint: Hashable, Sendable, Codable {
    public var timeMs: UInt64
    public var price: Double
    public var size: Double
    /// True when the taker bought.
    public var takerBuys: Bool

    public init(timeMs: UInt64, price: Double, size: Double, takerBuys: Bool) {
        self.timeMs = timeMs
        self.price = price
        self.size = size
        self.takerBuys = takerBuys
    }
}
