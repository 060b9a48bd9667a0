import HoneypotWatch
import SigilCore
import SigilPluginAPI
import SigilTestSupport
import Testing

@Suite struct HoneypotWatchTests {
    static let pool = BlockBuilder.address(0x01), token = BlockBuilder.address(0x20), weth = BlockBuilder.address(0x11)
    static let owner = BlockBuilder.address(0xa0), helper = BlockBuilder.address(0xa1)

    static func facts(minted: UInt64 = 1_000_000) -> TokenSnapshot {
        var t = TokenSnapshot(address: token, firstBlock: 1)
        t.pools = [pool]
        t.minted = UInt256(minted)
        t.firstMintTo = owner
        return t
    }

    static func alerts(_ plugin: HoneypotWatch, _ b: BlockBuilder) -> [Alert] {
        plugin.blockClosed(b.block).compactMap { if case .alert(let a) = $0 { a } else { nil } }
    }

    /// A block in which `buyer` buys `amount` of the token from the pool.
    static func buy(_ b: inout BlockBuilder, _ buyer: Address, _ amount: UInt64) {
        b.tx([(weth, BlockBuilder.transfer(buyer, pool, 10)), (token, BlockBuilder.transfer(pool, buyer, amount)),
              (pool, BlockBuilder.v2(buy: true, in: 10, out: amount, to: buyer))])
    }

    /// Buyers only buy; an account the owner funded sells: the owner is named.
    @Test func onlyPrivilegedAccountsSelling() {
        let plugin = HoneypotWatch()
        var funding = BlockBuilder(number: 5)
        funding.tokens[Self.token] = Self.facts()
        funding.tx([(Self.token, BlockBuilder.transfer(Self.owner, Self.helper, 100_000))])
        var found = Self.alerts(plugin, funding)
        for n in 6...12 {
            var b = BlockBuilder(number: UInt64(n))
            b.tokens[Self.token] = Self.facts()
            Self.buy(&b, BlockBuilder.address(UInt8(0x40 + n)), 1_000)
            found += Self.alerts(plugin, b)
        }
        #expect(found.isEmpty, "no sell yet")
        var sell = BlockBuilder(number: 14)
        sell.tokens[Self.token] = Self.facts()
        sell.tx([(Self.token, BlockBuilder.transfer(Self.helper, Self.pool, 50_000)), (Self.weth, BlockBuilder.transfer(Self.pool, Self.helper, 9)),
                 (Self.pool, BlockBuilder.v2(buy: false, in: 50_000, out: 9, to: Self.helper))])
        found = Self.alerts(plugin, sell)
        #expect(found.count == 1)
        #expect(found.first?.addresses.first == Self.owner)
        #expect(found.first?.metadata["privilegedSeller"] == "\(Self.helper)")
        #expect(found.first?.metadata["buyers"] == "7")
    }

    /// When buyers sell too, a privileged sell is ordinary.
    @Test func buyersSellingFreelyIsNotAHoneypot() {
        let plugin = HoneypotWatch()
        var found: [Alert] = []
        for n in 6...12 {
            var b = BlockBuilder(number: UInt64(n))
            b.tokens[Self.token] = Self.facts()
            let buyer = BlockBuilder.address(UInt8(0x40 + n))
            Self.buy(&b, buyer, 1_000)
            if n == 9 { b.tx([(Self.token, BlockBuilder.transfer(buyer, Self.pool, 500))]) }
            found += Self.alerts(plugin, b)
        }
        var sell = BlockBuilder(number: 14)
        sell.tokens[Self.token] = Self.facts()
        sell.tx([(Self.token, BlockBuilder.transfer(Self.owner, Self.pool, 50_000))])
        found += Self.alerts(plugin, sell)
        #expect(found.isEmpty)
    }

    /// A sell that sends most of what the seller gave up to another account is a honeypot
    /// whatever the buyers count; a few percent is an ordinary tax token.
    @Test func aConfiscatoryTaxIsMeasuredFromOneTransaction() {
        let seller = BlockBuilder.address(0x55)
        for (tax, alerted) in [(9_000 as UInt64, true), (400, false)] {
            let plugin = HoneypotWatch()
            var b = BlockBuilder(number: 20)
            b.tokens[Self.token] = Self.facts()
            b.tx([(Self.token, BlockBuilder.transfer(seller, Self.owner, tax)), (Self.token, BlockBuilder.transfer(seller, Self.pool, 10_000 - tax)),
                  (Self.pool, BlockBuilder.v2(buy: false, in: 10_000 - tax, out: 1, to: seller))])
            let found = Self.alerts(plugin, b)
            #expect(found.count == (alerted ? 1 : 0))
            if alerted {
                #expect(found.first?.metadata["taxRate"] == "0.9")
                #expect(found.first?.addresses.first == Self.owner)
            }
        }
    }
}
