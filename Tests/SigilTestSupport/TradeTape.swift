public import SigilCore
public import SigilPluginAPI

/// Hand-made Hyperliquid trades for the signal plugins' suites: one trade per price, fed to the
/// plugin with the market as the runtime would hand it.
public enum TradeTape {
    /// The `n`th trade of `coin` on `market` (its own block and hash).
    public static func trade(_ n: Int, coin: String, market: Address) -> MarketEvent {
        let h = Hash32(bytes: [UInt8](repeating: UInt8(truncatingIfNeeded: n), count: 32))!
        return MarketEvent(id: EventID(chainId: 1, blockHash: h, logIndex: 0, blockNumber: UInt64(n), transactionHash: h, transactionIndex: 0),
                           emitter: market, payload: .hlTrade(coin: coin, takerBuys: true, price: "1", size: "1", timeMs: UInt64(n), tid: UInt64(n),
                                                            buyer: .zero, seller: .zero))
    }

    /// Feeds `prices` one trade at a time through `handle`; returns the signals by trade index.
    public static func signals(coin: String, market: Address, prices: [Double],
                               _ handle: (MarketEvent, MarketSnapshot) -> [PluginOutput]) -> [Int: Signal] {
        var snapshot = MarketSnapshot(venue: "hyperliquid", coin: coin, address: market)
        var out: [Int: Signal] = [:]
        for (i, price) in prices.enumerated() {
            snapshot.recentTrades.append(TradePoint(timeMs: UInt64(i), price: price, size: 1, takerBuys: true))
            for case .signal(let s) in handle(trade(i, coin: coin, market: market), snapshot) { out[i] = s }
        }
        return out
    }
}
