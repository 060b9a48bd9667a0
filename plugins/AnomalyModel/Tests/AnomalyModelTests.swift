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

    /// A V2 pool after `count` (at most 127) swaps from as many accounts, alternating sides, of distinct sizes
    /// (token0 10, 11, 12…; token1 three times that plus one), reserve0 1,000, price 1, one swap
    /// per block from block 1.
    static func history(_ count: Int) -> PoolSnapshot {
        var p = PoolSnapshot(address: pool, dex: .uniswapV2)
        for i in 0..<count {
            let v = Double(10 + i)
            p.recentSwaps.append(SwapPoint(block: UInt64(i + 1), price: 1, volume0: v, volume1: 3 * v + 1, boughtToken0: i % 2 == 0,
                                           liquidity: 1_000, trader: BlockBuilder.address(0x80 + UInt8(i))))
        }
        p.lastBlock = UInt64(count)
        return p
    }

    static func append(_ p: inout PoolSnapshot, _ volume0: Double, _ volume1: Double, buy: Bool, by trader: Address, liquidity: Double = 1_000) {
        p.lastBlock += 1
        p.recentSwaps.append(SwapPoint(block: p.lastBlock, price: 1, volume0: volume0, volume1: volume1, boughtToken0: buy,
                                       liquidity: liquidity, trader: trader))
        p.recentSwaps = Array(p.recentSwaps.suffix(PoolSnapshot.swapHistory))
    }

    static func swap(block: UInt64) -> MarketEvent {
        var b = BlockBuilder(number: block)
        b.tx([(pool, BlockBuilder.v2(buy: true, in: 100, out: 90, to: trader))])
        return b.events[0]
    }

    static func named(_ f: [Float]) -> [String: Double] {
        Dictionary(uniqueKeysWithValues: zip(AnomalyFeatures.names, f.map(Double.init)))
    }

    @Test func featuresOfOrdinaryFlowAndOfAWashRing() throws {
        #expect(AnomalyFeatures.compute(Self.history(7)) == nil, "7 swaps: too little history")
        let quiet = Self.named(try #require(AnomalyFeatures.compute(Self.history(30))))
        // The last swap: 39 token0 into a reserve of 1,000, from an account seen once in the window.
        #expect(abs(quiet["size"]! - log1p(3.9)) < 1e-6 && quiet["matched"] == 0)
        #expect(abs(quiet["share"]! - 39.0 / Double((24...39).reduce(0, +))) < 1e-6 && quiet["count"] == 1.0 / 16)
        #expect(abs(quiet["run"]! - log1p(20 * 39.0 / 961)) < 1e-6, "a sell of token0: the reserve before it held 39 less")

        // Four rounds of a ring: A buys 50 token0 for 77 token1, B sells 50.02 back for 76.5 (both
        // within 0.1% of the amounts A bought: matched by token0 and not by token1).
        var ring = Self.history(20)
        let a = BlockBuilder.address(0xA), b = BlockBuilder.address(0xB)
        for _ in 0..<4 {
            Self.append(&ring, 50, 77, buy: true, by: a)
            Self.append(&ring, 50.02, 76.5, buy: false, by: b)
        }
        let f = Self.named(try #require(AnomalyFeatures.compute(ring)))
        // The window: the base swaps of 22…29 token0 (no two alike) and the ring's eight swaps.
        #expect(f["matched"] == 0.5)
        #expect(abs(f["share"]! - 200.08 / (Double((22...29).reduce(0, +)) + 200 + 200.08)) < 1e-6 && f["count"] == 0.25)
        // B's run: its four sells (A's swaps between are another account's), from a reserve that
        // held 50.02 less before B's first sell.
        #expect(abs(f["run"]! - log1p(20 * 200.08 / 949.98)) < 1e-5)
        #expect(abs(f["size"]! - log1p(5.002)) < 1e-6)
        // A retail buy landing among the ring's volume is not itself answered: not scored for it.
        Self.append(&ring, 33, 12, buy: true, by: BlockBuilder.address(0x30))
        #expect(Self.named(try #require(AnomalyFeatures.compute(ring)))["matched"] == 0)
    }

    @Test func aRunEndsAtTheTradersLastSwapTheOtherWayAndV3UsesVirtualReserves() throws {
        var p = Self.history(20)
        let holder = BlockBuilder.address(0xD)
        Self.append(&p, 5, 1, buy: true, by: holder)
        Self.append(&p, 100, 1, buy: false, by: holder, liquidity: 1_100)
        Self.append(&p, 7, 2, buy: true, by: BlockBuilder.address(0xE), liquidity: 1_093)
        Self.append(&p, 100, 3, buy: false, by: holder, liquidity: 1_193)
        let f = Self.named(try #require(AnomalyFeatures.compute(p)))
        #expect(abs(f["run"]! - log1p(20 * 200.0 / 1_000)) < 1e-6, "two sells of 100 from a reserve of 1,000; the earlier buy ends the run")
        #expect(f["count"] == 3.0 / 16)

        var v3 = Self.history(10)
        v3.dex = .uniswapV3
        v3.recentSwaps[9].price = 4  // virtual reserve0: liquidity 1,000 / √4
        let g = Self.named(try #require(AnomalyFeatures.compute(v3)))
        #expect(abs(g["size"]! - log1p(100 * 19.0 / 500)) < 1e-6)
        #expect(abs(g["run"]! - log1p(20 * 19.0 / 1_000)) < 1e-6, "V3: the reserve after the swap before the run")
    }

    @Test func alertsAtTheThresholdNamingTheTraderAndKeepsItsCooldown() throws {
        func plugin(_ score: Float, cooldown: Int64 = 0) throws -> AnomalyModel {
            try AnomalyModel(parameters: ParameterValues(["threshold": .double(40), "cooldown_blocks": .int(cooldown), "severity": .string("medium")]),
                             models: ["anomaly": FixedScore(score: score)])
        }
        let pool = Self.history(30)
        #expect(try plugin(39.9).handle(Self.swap(block: 30), pool: pool).isEmpty)
        let out = try plugin(40).handle(Self.swap(block: 30), pool: pool)
        guard case .alert(let a)? = out.first, out.count == 1 else { Issue.record("one alert expected, got \(out)"); return }
        #expect(a.severity == .medium && a.addresses == [Self.trader] && a.metadata["responsible"] == "\(Self.trader)")
        #expect(a.metadata["score"] == "40.0" && a.metadata["model"] == "test/anomaly" && a.metadata["count"] == "0.0625")
        // With a cooldown, the pool's next swaps within it are not judged.
        let p = try plugin(100, cooldown: 5)
        #expect(p.handle(Self.swap(block: 30), pool: pool).count == 1)
        var later = pool
        later.recentSwaps.append(SwapPoint(block: 34, price: 1, volume0: 10, boughtToken0: true, liquidity: 1_000, trader: Self.trader))
        #expect(p.handle(Self.swap(block: 34), pool: later).isEmpty)
        later.recentSwaps.append(SwapPoint(block: 35, price: 1, volume0: 10, boughtToken0: true, liquidity: 1_000, trader: Self.trader))
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

    /// Pool histories of hostile shape (prices, volumes and reserves of 0, ∞, NaN, the largest
    /// doubles, blocks going backwards, unknown and repeated traders, V2 and V3): features are
    /// finite or absent, never a trap.
    @Test func hostileHistoriesGiveFiniteFeatures() throws {
        var rng = SplitMix64(seed: 7)
        let values: [Double] = [0, 1, 1e-300, 1e300, .infinity, -.infinity, .nan, .greatestFiniteMagnitude, -1, 0.5]
        func value() -> Double { values[Int(rng.next() % UInt64(values.count))] }
        let p = try AnomalyModel(parameters: ParameterValues(["threshold": .double(0.01), "cooldown_blocks": .int(3), "severity": .string("high")]),
                                 models: ["anomaly": FixedScore(score: 1)])
        for _ in 0..<2_000 {
            var pool = PoolSnapshot(address: Self.pool, dex: rng.next() % 2 == 0 ? .uniswapV2 : .uniswapV3)
            for _ in 0..<Int(rng.next() % 70) {
                let trader = rng.next() % 5 == 0 ? nil : BlockBuilder.address(rng.next() % 3)
                pool.recentSwaps.append(SwapPoint(block: rng.next() % 4 == 0 ? .max - rng.next() % 3 : rng.next() % 50, price: value(),
                                                  volume0: value(), volume1: value(), boughtToken0: rng.next() % 2 == 0, liquidity: value(),
                                                  trader: trader))
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
