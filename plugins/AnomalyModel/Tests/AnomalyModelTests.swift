import AnomalyModel
import Foundation
import SigilCore
import SigilPluginAPI
import SigilTestSupport
import Testing

/// `anomaly-model` alone: its features on hand-made pool histories, and its alerting around a
/// stand-in model whose score is set by the test (the real autoencoder is scored end to end by
/// `BacktestCommandTests`).
@Suite struct AnomalyModelTests {
    static let pool = BlockBuilder.address(0x50), trader = BlockBuilder.address(0x77)

    /// A stand-in for a verified model: returns the score it is given.
    struct FixedScore: PredictiveModel {
        var score: Float
        var featureNames = AnomalyFeatures.names
        var reference: ModelReference { ModelReference(id: "test/anomaly", version: 3, weightsHash: .zero) }
        func predict(_ features: [Float], rows: Int) throws -> [Float] {
            #expect(features.count == rows * featureNames.count)
            return Array(repeating: score, count: rows)
        }
    }

    /// A V2 pool after `prices.count` swaps of 10 token0 each (alternating sides), reserve0 1,000,
    /// one swap per block from block 1; then `extra` swaps in the last block.
    static func history(_ prices: [Double], lastBlockSwaps extra: [(price: Double, volume: Double, buy: Bool)] = []) -> PoolSnapshot {
        var p = PoolSnapshot(address: pool, dex: .uniswapV2)
        for (i, price) in prices.enumerated() {
            p.recentSwaps.append(SwapPoint(block: UInt64(i + 1), price: price, volume0: 10, boughtToken0: i % 2 == 0, liquidity: 1_000))
        }
        let block = UInt64(prices.count)
        for s in extra { p.recentSwaps.append(SwapPoint(block: block, price: s.price, volume0: s.volume, boughtToken0: s.buy, liquidity: 1_000)) }
        p.recentSwaps = Array(p.recentSwaps.suffix(PoolSnapshot.swapHistory))
        p.lastBlock = block
        return p
    }

    static func swap(block: UInt64) -> MarketEvent {
        var b = BlockBuilder(number: block)
        b.tx([(pool, BlockBuilder.v2(buy: true, in: 100, out: 90, to: trader))])
        return b.events[0]
    }

    @Test func featuresOfAQuietPoolAndOfASandwichBackRun() throws {
        #expect(AnomalyFeatures.compute(Self.history(Array(repeating: 1, count: 16))) == nil, "16 swaps: too little history")
        let quiet = try #require(AnomalyFeatures.compute(Self.history(Array(repeating: 1, count: 30))))
        #expect(quiet == [0, Float(log1p(0.01)), 0, 0, 1, 0, 0])
        // A front-run buy of 300 lifting the price 20%, then a back-run sell in the same block.
        var prices = Array(repeating: 1.0, count: 29)
        prices[28] = 1.2
        let backRun = Self.history(prices, lastBlockSwaps: [(1.0, 300, false)])
        let f = try #require(AnomalyFeatures.compute(backRun))
        let named = Dictionary(uniqueKeysWithValues: zip(AnomalyFeatures.names, f))
        #expect(abs(Double(named["impact"]!) - log(1.2)) < 1e-6)
        #expect(abs(Double(named["size"]!) - log1p(0.3)) < 1e-6)
        #expect(named["same_block"] == 2 && named["reversal"] == 1)
        #expect(named["vz16"]! == 0, "the 16 volumes before are all equal: no spread to judge against")
        // The 15 returns before the back-run: 14 flat and the front-run's jump.
        let before = Array(repeating: 0.0, count: 14) + [log(1.2)]
        let mean = before.reduce(0, +) / 15
        let sd = (before.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 15).squareRoot()
        #expect(abs(Double(named["surprise"]!) - log(1.2) / sd) < 1e-4)
        let calm = try #require(AnomalyFeatures.compute(Self.history(Array(repeating: 1, count: 30), lastBlockSwaps: [(1.1, 10, true)])))
        #expect(calm[3] == 50, "a move after 15 flat returns: as surprising as the feature allows")
    }

    @Test func alertsAtTheThresholdNamingTheTraderAndKeepsItsCooldown() throws {
        func plugin(_ score: Float, cooldown: Int64 = 0) throws -> AnomalyModel {
            try AnomalyModel(parameters: ParameterValues(["threshold": .double(40), "cooldown_blocks": .int(cooldown), "severity": .string("medium")]),
                             models: ["anomaly": FixedScore(score: score)])
        }
        let pool = Self.history(Array(repeating: 1, count: 30))
        #expect(try plugin(39.9).handle(Self.swap(block: 30), pool: pool).isEmpty)
        let out = try plugin(40).handle(Self.swap(block: 30), pool: pool)
        guard case .alert(let a)? = out.first, out.count == 1 else { Issue.record("one alert expected, got \(out)"); return }
        #expect(a.severity == .medium && a.addresses == [Self.trader] && a.metadata["responsible"] == "\(Self.trader)")
        #expect(a.metadata["score"] == "40.0" && a.metadata["model"] == "test/anomaly" && a.metadata["same_block"] == "1.0")
        // With a cooldown, the pool's next swaps within it are not judged.
        let p = try plugin(100, cooldown: 5)
        #expect(p.handle(Self.swap(block: 30), pool: pool).count == 1)
        var later = pool
        later.recentSwaps.append(SwapPoint(block: 34, price: 1, volume0: 10, boughtToken0: true, liquidity: 1_000))
        #expect(p.handle(Self.swap(block: 34), pool: later).isEmpty)
        later.recentSwaps.append(SwapPoint(block: 35, price: 1, volume0: 10, boughtToken0: true, liquidity: 1_000))
        #expect(p.handle(Self.swap(block: 35), pool: later).count == 1)
        // An event that is not the pool's last swap (a sync, a mint) is not judged.
        #expect(try plugin(100).handle(Self.swap(block: 31), pool: pool).isEmpty)
    }

    @Test func refusesAModelOfOtherFeatures() {
        var wrong = FixedScore(score: 1)
        wrong.featureNames = ["r1"]
        #expect(throws: PluginError.self) {
            try AnomalyModel(parameters: ParameterValues(["threshold": .double(1), "cooldown_blocks": .int(0), "severity": .string("medium")]),
                             models: ["anomaly": wrong])
        }
        #expect(throws: PluginError.self) {
            try AnomalyModel(parameters: ParameterValues(["threshold": .double(1), "cooldown_blocks": .int(0), "severity": .string("medium")]), models: [:])
        }
    }

    /// Pool histories of hostile shape (prices and volumes of 0, ∞, NaN, the largest doubles,
    /// blocks going backwards, V2 and V3): features are finite or absent, never a trap.
    @Test func hostileHistoriesGiveFiniteFeatures() throws {
        var rng = SplitMix64(seed: 7)
        let values: [Double] = [0, 1, 1e-300, 1e300, .infinity, -.infinity, .nan, .greatestFiniteMagnitude, -1, 0.5]
        func value() -> Double { values[Int(rng.next() % UInt64(values.count))] }
        let p = try AnomalyModel(parameters: ParameterValues(["threshold": .double(0.01), "cooldown_blocks": .int(3), "severity": .string("high")]),
                                 models: ["anomaly": FixedScore(score: 1)])
        for _ in 0..<2_000 {
            var pool = PoolSnapshot(address: Self.pool, dex: rng.next() % 2 == 0 ? .uniswapV2 : .uniswapV3)
            for _ in 0..<Int(rng.next() % 70) {
                pool.recentSwaps.append(SwapPoint(block: rng.next() % 4 == 0 ? .max - rng.next() % 3 : rng.next() % 50, price: value(),
                                                  volume0: value(), boughtToken0: rng.next() % 2 == 0, liquidity: value()))
            }
            if let f = AnomalyFeatures.compute(pool) {
                #expect(f.count == AnomalyFeatures.names.count && f.allSatisfy(\.isFinite))
            }
            if let last = pool.recentSwaps.last {
                _ = p.handle(Self.swap(block: last.block), pool: pool)
            }
        }
    }
}
