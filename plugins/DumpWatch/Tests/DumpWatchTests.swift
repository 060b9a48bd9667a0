import DumpWatch
import SigilCore
import SigilPluginAPI
import SigilTestSupport
import Testing

@Suite struct DumpWatchTests {
    static let pool = BlockBuilder.address(0x01), token = BlockBuilder.address(0x20)
    static let deployer = BlockBuilder.address(0xa0), holder = BlockBuilder.address(0xa1)

    static func facts() -> TokenSnapshot {
        var t = TokenSnapshot(address: token, firstBlock: 1)
        t.pools = [pool]
        t.minted = UInt256(1_000_000)
        t.firstMintTo = deployer
        return t
    }

    static func run(_ plugin: DumpWatch, sells: [(block: UInt64, amount: UInt64)], received: UInt64 = 300_000) -> [Alert] {
        var out: [Alert] = []
        var gift = BlockBuilder(number: 5)
        gift.tokens[token] = facts()
        gift.tx([(token, BlockBuilder.transfer(deployer, holder, received))])
        out += plugin.blockClosed(gift.block).compactMap { if case .alert(let a) = $0 { a } else { nil } }
        for s in sells {
            var b = BlockBuilder(number: s.block)
            b.tokens[token] = facts()
            b.tx([(token, BlockBuilder.transfer(holder, pool, s.amount)), (pool, BlockBuilder.v2(buy: false, in: s.amount, out: 1, to: holder))])
            out += plugin.blockClosed(b.block).compactMap { if case .alert(let a) = $0 { a } else { nil } }
        }
        return out
    }

    /// 30% of the supply from the deployer, 90% of it sold in two blocks: one alert naming the holder.
    @Test func aLargeHolderSellingMostOfItAtOnce() {
        let found = Self.run(DumpWatch(), sells: [(20, 120_000), (21, 150_000)])
        #expect(found.count == 1)
        let a = found.first
        #expect(a?.addresses.first == Self.holder && a?.alertId == "SIGIL-DUMP-1")
        #expect(a?.metadata["supplyShare"] == "0.3" && a?.metadata["soldShare"] == "0.9")
        #expect(a?.metadata["deployer"] == "\(Self.deployer)")
    }

    /// Selling a little at a time, or a small holder selling everything, is ordinary.
    @Test func smallSalesAndSmallHoldersAreLeftAlone() {
        #expect(Self.run(DumpWatch(), sells: [(20, 10_000), (40, 10_000), (60, 10_000), (80, 10_000)]).isEmpty)
        #expect(Self.run(DumpWatch(), sells: [(20, 50_000)], received: 50_000).isEmpty)
        // Spread over more blocks than the window: each window's sells are judged on their own.
        #expect(Self.run(DumpWatch(windowBlocks: 5), sells: [(20, 100_000), (30, 100_000), (40, 70_000)]).isEmpty)
    }
}
