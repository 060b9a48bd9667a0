import MeanReversion
import SigilCore
import SigilPluginAPI
import Testing

/// `mean-reversion` alone, on hand-made market states: no runtime, no peers.
@Suite struct MeanReversionTests {
    static let coin = Address(hex: "0x00000000000000000000000000000000000000ab")!

    static func trade(_ n: Int) -> MarketEvent {
        let h = Hash32(bytes: [UInt8](repeating: UInt8(truncatingIfNeeded: n), count: 32))!
        return MarketEvent(id: EventID(chainId: 1, blockHash: h, logIndex: 0, blockNumber: UInt64(n), transactionHash: h, transactionIndex: 0),
                           emitter: coin, payload: .hlTrade(coin: "ETH", takerBuys: true, price: "1", size: "1", timeMs: UInt64(n), tid: UInt64(n),
                                                          buyer: .zero, seller: .zero))
    }

    /// Feeds `prices` one trade at a time; returns the sides signalled, by trade index.
    static func run(_ p: MeanReversion, _ prices: [Double]) -> [Int: Signal.Side] {
        var market = MarketSnapshot(venue: "hyperliquid", coin: "ETH", address: coin)
        var out: [Int: Signal.Side] = [:]
        for (i, price) in prices.enumerated() {
            market.recentTrades.append(TradePoint(timeMs: UInt64(i), price: price, size: 1, takerBuys: true))
            for case .signal(let s) in p.handle(trade(i), market: market) {
                #expect(s.pool == coin && s.model == nil && s.metadata["asset"] == "ETH" && (0...1).contains(s.confidence))
                out[i] = s.side
            }
        }
        return out
    }

    @Test func aDropFarBelowTheMeanBuysASpikeSellsNoiseSaysNothing() {
        // Alternating 99/101 (mean 100, sd 1), then a drop to 96 (z = -4) and later a spike to 104.
        let calm = (0..<20).map { $0 % 2 == 0 ? 99.0 : 101.0 }
        let p = MeanReversion(lookback: 10, entryZ: 2, cooldown: 0)
        #expect(Self.run(p, calm).isEmpty, "within two deviations")
        let signals = Self.run(MeanReversion(lookback: 10, entryZ: 2, cooldown: 0), calm + [96] + calm + [104])
        #expect(signals == [20: .buy, 41: .sell])
    }

    @Test func flatPricesShortHistoryAndBadPricesSayNothing() {
        #expect(Self.run(MeanReversion(lookback: 5, entryZ: 1, cooldown: 0), Array(repeating: 100, count: 20)).isEmpty, "no deviation")
        #expect(Self.run(MeanReversion(lookback: 5, entryZ: 1, cooldown: 0), [100, 90, 80]).isEmpty)
        #expect(Self.run(MeanReversion(lookback: 2, entryZ: 1, cooldown: 0), [100, .nan, 100, 50, -1]).isEmpty)
    }
}
