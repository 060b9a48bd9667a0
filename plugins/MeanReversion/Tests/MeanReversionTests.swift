import MeanReversion
import SigilCore
import SigilPluginAPI
import SigilTestSupport
import Testing

/// `mean-reversion` alone, on hand-made market states: no runtime, no peers.
@Suite struct MeanReversionTests {
    static let coin = Address(hex: "0x00000000000000000000000000000000000000ab")!

    /// Feeds `prices` one trade at a time; returns the sides signalled, by trade index.
    static func run(_ p: MeanReversion, _ prices: [Double]) -> [Int: Signal.Side] {
        TradeTape.signals(coin: "ETH", market: coin, prices: prices) { p.handle($0, market: $1) }.mapValues { s in
            #expect(s.pool == coin && s.model == nil && s.metadata["asset"] == "ETH" && (0...1).contains(s.confidence))
            return s.side
        }
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
