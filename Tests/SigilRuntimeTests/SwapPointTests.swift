import Foundation
import SigilChain
import SigilCore
import SigilFeeds
import SigilPluginAPI
import SigilRuntime
import SigilTestSupport
import Testing

/// What the pool book keeps of each swap for plugins: both tokens' amounts and the account that
/// received the output, from the real Uniswap logs of the bundled recording; and snapshots
/// written before those were kept still restore.
@Suite struct SwapPointTests {
    @Test func everySwapKeepsBothAmountsAndItsRecipient() throws {
        let path = Peers.root + "/data/replay/sigil-scenarios.jsonl.gz"
        let decoder = FrameDecoder(chainId: try ReplayFeed.Settings(name: "r", path: path).resolvedChainId())
        var book = PoolBook()
        var checked = (v2: 0, v3: 0)
        try Recording(path: path).forEachFrame { frame in
            guard case .event(let e, _) = try decoder.decode(frame), let pool = book.apply(e),
                  let amounts = e.swapAmounts, let last = pool.recentSwaps.last, last.block == e.id.blockNumber else { return }
            #expect(last.trader == e.swapRecipient && last.trader != nil)
            #expect(last.volume0 == amounts.amount0.doubleValue && last.volume1 == amounts.amount1.doubleValue, "\(e.id)")
            #expect(last.boughtToken0 == !amounts.sellsToken0)
            if pool.dex == .uniswapV2 { checked.v2 += 1 } else { checked.v3 += 1 }
        }
        #expect(checked.v2 > 1_000 && checked.v3 > 100, "\(checked)")
    }

    @Test func aSwapPointWrittenBeforeTradersWereKeptStillReads() throws {
        let old = #"{"block":7,"price":1.5,"volume0":10,"boughtToken0":true,"liquidity":1000}"#
        let p = try JSONDecoder().decode(SwapPoint.self, from: Data(old.utf8))
        #expect(p == SwapPoint(block: 7, price: 1.5, volume0: 10, boughtToken0: true, liquidity: 1_000))
        #expect(p.trader == nil && p.volume1 == 0)
        let now = SwapPoint(block: 8, price: 2, volume0: 3, volume1: 6, boughtToken0: false, liquidity: 9, trader: BlockBuilder.address(0x42))
        #expect(try JSONDecoder().decode(SwapPoint.self, from: JSONEncoder().encode(now)) == now)
        // A point missing a field it always had is refused, naming the field.
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(SwapPoint.self, from: Data(#"{"block":7,"price":1.5}"#.utf8)) }
    }
}
