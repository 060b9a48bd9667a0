import Momentum
import SigilCore
import SigilPluginAPI
import SigilTestSupport
import Testing

/// `momentum` alone, on hand-made market states: no runtime, no peers.
@Suite struct MomentumTests {
    static let coin = Address(hex: "0x00000000000000000000000000000000000000aa")!

    static func plugin(lookback: Int64, threshold: Double, cooldown: Int64) throws -> Momentum {
        try Momentum(parameters: ParameterValues(["lookback": .int(lookback), "threshold": .double(threshold), "cooldown": .int(cooldown)]),
                     models: [:])
    }

    /// Feeds `prices` one trade at a time; returns the sides signalled, by trade index.
    static func run(_ p: Momentum, _ prices: [Double]) -> [Int: Signal.Side] {
        TradeTape.signals(coin: "BTC", market: coin, prices: prices) { p.handle($0, market: $1) }.mapValues { s in
            #expect(s.pool == coin && s.model == nil && s.metadata["asset"] == "BTC" && (0...1).contains(s.confidence))
            return s.side
        }
    }

    @Test func aRiseBuysAFallSellsAndFlatSaysNothing() throws {
        let flat = Array(repeating: 100.0, count: 30)
        #expect(Self.run(try Self.plugin(lookback: 5, threshold: 0.01, cooldown: 0), flat).isEmpty)
        // 100 for 10 trades, then +1% per trade: the first trade 5 after the start of the rise
        // whose price is ≥ 1% above the one 5 before is a buy.
        let rise = Array(repeating: 100.0, count: 10) + (1...10).map { 100 * (1 + 0.01 * Double($0)) }
        let buys = Self.run(try Self.plugin(lookback: 5, threshold: 0.01, cooldown: 100), rise)
        #expect(buys == [10: .buy], "one buy at the first trade that rose 1% over 5 trades, then the cooldown")
        let fall = Array(repeating: 100.0, count: 10) + (1...10).map { 100 * (1 - 0.02 * Double($0)) }
        #expect(Self.run(try Self.plugin(lookback: 1, threshold: 0.01, cooldown: 3), fall) == [10: .sell, 14: .sell, 18: .sell])
    }

    @Test func tooLittleHistoryAndBadPricesSayNothing() throws {
        let p = try Self.plugin(lookback: 5, threshold: 0.01, cooldown: 0)
        #expect(Self.run(p, [100, 200, 300]).isEmpty, "fewer trades than lookback + 1")
        #expect(Self.run(try Self.plugin(lookback: 1, threshold: 0.01, cooldown: 0), [0, 100, .infinity, 100]).isEmpty)
    }
}
