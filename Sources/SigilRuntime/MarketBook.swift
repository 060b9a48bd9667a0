public import SigilCore
public import SigilPluginAPI

/// The runtime's state of every off-chain market the feeds mention (Hyperliquid coins), updated
/// event by event: the off-chain counterpart of `PoolBook`.
public struct MarketBook: Sendable {
    public private(set) var markets: [Address: MarketSnapshot] = [:]

    public init(markets: [Address: MarketSnapshot] = [:]) { self.markets = markets }

    public subscript(address: Address) -> MarketSnapshot? { markets[address] }

    /// Applies an off-chain event and returns its market's snapshot; nil for on-chain events
    /// and for a trade or book whose prices are not numbers.
    public mutating func apply(_ event: MarketEvent) -> MarketSnapshot? {
        switch event.payload {
        case .hlTrade(let coin, let takerBuys, let px, let sz, let time, _, _, _):
            guard let price = Double(px), let size = Double(sz), price.isFinite, size.isFinite else { return nil }
            var m = markets.removeValue(forKey: event.emitter) ?? MarketSnapshot(venue: "hyperliquid", coin: coin, address: event.emitter)
            m.lastPrice = price
            m.lastTimeMs = max(m.lastTimeMs, time)
            m.tradeCount += 1
            if m.recentTrades.count == MarketSnapshot.tradeHistory { m.recentTrades.removeFirst() }
            m.recentTrades.append(TradePoint(timeMs: time, price: price, size: size, takerBuys: takerBuys))
            markets[event.emitter] = m
            return m
        case .hlBook(let coin, let bid, let ask, _, _, let time):
            var m = markets[event.emitter] ?? MarketSnapshot(venue: "hyperliquid", coin: coin, address: event.emitter)
            m.bestBid = bid.flatMap(Double.init).flatMap { $0.isFinite ? $0 : nil }
            m.bestAsk = ask.flatMap(Double.init).flatMap { $0.isFinite ? $0 : nil }
            m.lastTimeMs = max(m.lastTimeMs, time)
            markets[event.emitter] = m
            return m
        default:
            return nil
        }
    }
}
