import Foundation
import SigilBacktest
import SigilCore
import SigilPluginAPI
import SigilTestSupport
import Testing

/// Paper trading of signals against a price tape, on prices whose outcome is worked out by hand.
@Suite struct SignalEvaluationTests {
    static let a = BlockBuilder.address(0xa1), b = BlockBuilder.address(0xb2), late = BlockBuilder.address(0xc3)

    static func pool(_ address: Address, block: UInt64, price: Double) -> PoolSnapshot {
        var p = PoolSnapshot(address: address, dex: .uniswapV2)
        // price = reserve1 / reserve0
        p.reserve0 = UInt256(1_000_000)
        p.reserve1 = UInt256(UInt64(price * 1_000_000))
        p.lastBlock = block
        return p
    }

    static func signal(_ side: String, _ pool: Address, _ block: UInt64, vetoed: Bool = false) -> SignalRecord {
        SignalRecord(key: "\(side)\(block)", strategy: "s", side: side, pool: "\(pool)".lowercased(), block: block, vetoed: vetoed, modelHash: nil)
    }

    /// One pool: 100 → 110 → 99 → 121 over blocks 10–13, fee 0.3%.
    static func tape() -> PriceTape {
        let t = PriceTape()
        for (block, price) in [(10, 100.0), (11, 110.0), (12, 99.0), (13, 121.0)] { t.record(pool(a, block: UInt64(block), price: price)) }
        t.record(pool(late, block: 12, price: 5))  // no price at the start: not traded
        return t
    }

    @Test func buyAndHoldAndASignalledRoundTrip() throws {
        let e = try #require(SignalEvaluation(tape: Self.tape().series, start: 10, end: 14, horizon: 1))
        #expect(e.pools == [Self.a])
        #expect(e.grid == [10, 11, 12, 13])
        let hold = e.buyAndHold()
        let expectedHold = (1 - 0.003) * 1.1 * 0.9 * (121.0 / 99.0)
        #expect(abs(hold.pnl - (expectedHold - 1)) < 1e-9, "\(hold.pnl)")
        #expect(abs(hold.maxDrawdown - 0.1) < 1e-9)
        #expect(hold.turnover == 1 && hold.hitRate == nil)
        // Buy after the rise (block 11), sell after the fall (block 12): one losing step, two fees.
        let s = e.evaluate(strategy: "s", role: "baseline",
                           signals: [Self.signal("buy", Self.a, 11), Self.signal("sell", Self.a, 12), Self.signal("buy", Self.a, 13, vetoed: true),
                                     Self.signal("buy", Self.late, 12)])
        #expect(abs(s.pnl - ((1 - 0.003) * (1 - 0.1 - 0.003) - 1)) < 1e-9, "\(s.pnl)")
        #expect(s.signals == 3 && s.executed == 2, "the other pool's signal is outside the universe; the vetoed one moves nothing")
        #expect(s.turnover == 2)
        // Judged one block later: the buy saw a fall, the sell a rise.
        #expect(s.judged == 2 && s.hits == 0 && s.hitRate == 0)
        #expect(s.equity.first?.price == 1 && s.equity.last?.block == 13)
        let right = e.evaluate(strategy: "r", role: "baseline", signals: [Self.signal("buy", Self.a, 12)])
        #expect(right.hits == 1 && abs(right.pnl - ((1 - 0.003) * (121.0 / 99.0) - 1)) < 1e-9)
    }

    @Test func tapeKeepsTheLastPriceOfABlockAndDropsReorgedBlocks() {
        let t = PriceTape()
        t.record(Self.pool(Self.a, block: 5, price: 1))
        t.record(Self.pool(Self.a, block: 5, price: 2))
        t.record(Self.pool(Self.a, block: 7, price: 3))
        t.record(Self.pool(Self.a, block: 6, price: 4))  // block 7 reorged away
        #expect(t.series[Self.a]?.points == [.init(block: 5, price: 2), .init(block: 6, price: 4)])
        #expect(t.span == 5...6)
        var empty = PoolSnapshot(address: Self.b, dex: .uniswapV2)
        empty.lastBlock = 9
        t.record(empty)  // no price yet: nothing noted
        #expect(t.series[Self.b] == nil)
    }

    @Test func tapeIsBoundedInPools() {
        let t = PriceTape()
        for i in 0..<(PriceTape.maxPools + 10) {
            var bytes = [UInt8](repeating: 0, count: 20)
            bytes[0] = UInt8(i & 0xff)
            bytes[1] = UInt8(i >> 8)
            t.record(Self.pool(Address(bytes: bytes)!, block: 1, price: 1))
        }
        #expect(t.series.count == PriceTape.maxPools && t.dropped == 10)
    }

    @Test func foldsCoverTheBlocksAndNeverTrap() {
        let cuts = WalkForward.boundaries(first: 14, last: 654, folds: 4)
        #expect(cuts.count == 5 && cuts.first == 14 && cuts.last == 655)
        #expect(zip(cuts, cuts.dropFirst()).allSatisfy { $0 < $1 })
        #expect(WalkForward.boundaries(first: 0, last: .max, folds: 3).last == .max)
        #expect(WalkForward.boundaries(first: 9, last: 3, folds: 3) == [9, 4])
        #expect(SignalEvaluation(tape: Self.tape().series, start: 14, end: 14) == nil)
        #expect(SignalEvaluation(tape: [:], start: 0, end: 100) == nil)
    }

    /// Random tapes and signals of hostile shape (extreme prices, blocks near the top of the
    /// range, unknown pools, any sides): figures or nil, never a trap, and a report that encodes.
    @Test func hostileTapesAndSignals() throws {
        var rng = SplitMix64(seed: UInt64(ProcessInfo.processInfo.environment["SIGIL_FUZZ_SEED"] ?? "1") ?? 1)
        let cases = Fuzz.cases(default: 300)
        for _ in 0..<cases {
            let t = PriceTape()
            let base: UInt64 = rng.next() % 2 == 0 ? 0 : UInt64.max - 2_000
            var addresses: [Address] = []
            for k in 0..<(1 + Int(rng.next() % 4)) { addresses.append(BlockBuilder.address(UInt8(0x10 + k))) }
            for _ in 0..<Int(rng.next() % 200) {
                let a = addresses[Int(rng.next() % UInt64(addresses.count))]
                var p = PoolSnapshot(address: a, dex: .uniswapV2)
                p.reserve0 = UInt256(l0: rng.next() % 3, l1: rng.next() % 2 == 0 ? 0 : rng.next(), l2: 0, l3: 0)
                p.reserve1 = UInt256(l0: rng.next(), l1: 0, l2: 0, l3: rng.next() % 2 == 0 ? 0 : rng.next())
                p.lastBlock = base + rng.next() % 1_000
                t.record(p)
                // A V3 price from any sqrtPrice.
                var v3 = PoolSnapshot(address: a, dex: .uniswapV3)
                v3.sqrtPriceX96 = UInt256(l0: rng.next(), l1: rng.next(), l2: rng.next() % 4, l3: 0)
                v3.lastBlock = p.lastBlock
                t.record(v3)
            }
            let signals = (0..<Int(rng.next() % 50)).map { i in
                SignalRecord(key: "\(i)", strategy: "s", side: rng.next() % 2 == 0 ? "buy" : "sell",
                             pool: "\(addresses[Int(rng.next() % UInt64(addresses.count))])".lowercased(),
                             block: base + rng.next() % 1_200, vetoed: rng.next() % 5 == 0, modelHash: nil)
            }
            guard let span = t.span else { continue }
            let cuts = WalkForward.boundaries(first: span.lowerBound, last: span.upperBound, folds: 1 + Int(rng.next() % 6))
            guard cuts.count >= 2, let e = SignalEvaluation(tape: t.series, start: cuts[cuts.count > 2 ? 1 : 0], end: cuts[cuts.count - 1],
                                                          horizon: rng.next() % 2 == 0 ? 10 : .max) else { continue }
            let rows = [e.buyAndHold(), e.evaluate(strategy: "s", role: "baseline", signals: signals)]
            for r in rows {
                #expect(r.executed <= r.signals && r.hits <= r.judged && r.maxDrawdown >= 0)
            }
            _ = try BacktestReport.encoder().encode(rows)
        }
    }
}
