import SigilCore
import SigilPluginAPI
import SigilTestSupport
import Testing
import WashTradeWatch

@Suite struct WashTradeWatchTests {
    static let pool = BlockBuilder.address(0x01), busy = BlockBuilder.address(0x02), token = BlockBuilder.address(0x10)
    static let head = BlockBuilder.address(0xa1), member = BlockBuilder.address(0xa2), searcher = BlockBuilder.address(0xb1)

    static func alerts(_ plugin: WashTradeWatch, _ b: BlockBuilder) -> [Alert] {
        plugin.blockClosed(b.block).compactMap { if case .alert(let a) = $0 { a } else { nil } }
    }

    /// A ring of two, one funding the other, passing the same size back and forth: one alert,
    /// naming the funder first, with the matched pairs as evidence.
    @Test func aRingPassingTheSameSizeBackAndForthIsNamedByItsFunder() {
        let plugin = WashTradeWatch()
        var funding = BlockBuilder(number: 10)
        funding.tx([(Self.token, BlockBuilder.transfer(Self.head, Self.member, 1_000_000))])
        #expect(Self.alerts(plugin, funding).isEmpty)
        var found: [Alert] = []
        for n in 11...16 {
            var b = BlockBuilder(number: UInt64(n))
            let (buyer, seller) = n % 2 == 0 ? (Self.head, Self.member) : (Self.member, Self.head)
            b.tx([(Self.pool, BlockBuilder.v2(buy: true, in: 2_000, out: 50_000, to: buyer))])
            b.tx([(Self.pool, BlockBuilder.v2(buy: false, in: 50_000, out: 1_988, to: seller))])
            found += Self.alerts(plugin, b)
        }
        #expect(found.count == 1)
        let a = try! #require(found.first)
        #expect(a.alertId == "SIGIL-WASH-1" && a.pool == Self.pool)
        #expect(a.addresses.first == Self.head && a.metadata["responsible"] == "\(Self.head)")
        #expect(Set(a.addresses) == [Self.head, Self.member])
        #expect(Int(a.metadata["pairs"] ?? "") ?? 0 >= 4)
    }

    /// Balanced flow of independent sizes (a market maker) and a searcher's few matched round
    /// trips on a pool busy with other traders are not wash trading.
    @Test func balancedFlowAndRoundTripsOnABusyPoolAreNot() {
        let plugin = WashTradeWatch()
        var found: [Alert] = []
        var rng = SplitMix64(seed: 7)
        for n in 1...30 {
            var b = BlockBuilder(number: UInt64(n))
            let size = 10_000 + rng.next() % 40_000
            b.tx([(Self.busy, BlockBuilder.v2(buy: n % 2 == 0, in: size, out: size * 3, to: Self.member))])
            for k in 0..<4 {
                b.tx([(Self.busy, BlockBuilder.v2(buy: k % 2 == 0, in: 30_000, out: 90_000, to: BlockBuilder.address(UInt8(0x30 + k))))])
            }
            if n % 5 == 0 {
                b.tx([(Self.busy, BlockBuilder.v2(buy: true, in: 20_000, out: 60_000, to: Self.searcher))])
                b.tx([(Self.busy, BlockBuilder.v2(buy: false, in: 60_000, out: 19_900, to: Self.searcher))])
            }
            found += Self.alerts(plugin, b)
        }
        #expect(found.isEmpty, "\(found.map(\.description))")
    }

    /// What it remembers is bounded: trades beyond the window are forgotten.
    @Test func tradesOutsideTheWindowAreForgotten() {
        let plugin = WashTradeWatch(windowBlocks: 5)
        var b = BlockBuilder(number: 1)
        b.tx([(Self.pool, BlockBuilder.v2(buy: true, in: 1, out: 1, to: Self.head))])
        _ = Self.alerts(plugin, b)
        #expect(plugin.state.trades[Self.pool]?.count == 1)
        _ = Self.alerts(plugin, BlockBuilder(number: 20))
        #expect(plugin.state.trades[Self.pool] == nil)
    }
}
