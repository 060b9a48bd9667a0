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

    /// Seven buyers over blocks 6…12, nobody selling; returns every output.
    static func buyers(_ plugin: HoneypotWatch) -> [PluginOutput] {
        var out: [PluginOutput] = []
        for n in 6...12 {
            var b = BlockBuilder(number: UInt64(n))
            b.tokens[Self.token] = Self.facts()
            Self.buy(&b, BlockBuilder.address(UInt8(0x40 + n)), 1_000)
            out += plugin.blockClosed(b.block)
        }
        return out
    }

    static func requests(_ out: [PluginOutput]) -> [SimulationRequest] {
        out.compactMap { if case .simulate(let r) = $0 { r } else { nil } }
    }

    static func privilegedSell(_ plugin: HoneypotWatch) -> [Alert] {
        var funding = BlockBuilder(number: 13)
        funding.tokens[Self.token] = Self.facts()
        funding.tx([(Self.token, BlockBuilder.transfer(Self.owner, Self.helper, 100_000))])
        var found = Self.alerts(plugin, funding)
        var sell = BlockBuilder(number: 14)
        sell.tokens[Self.token] = Self.facts()
        sell.tx([(Self.token, BlockBuilder.transfer(Self.helper, Self.pool, 50_000)), (Self.weth, BlockBuilder.transfer(Self.pool, Self.helper, 9)),
                 (Self.pool, BlockBuilder.v2(buy: false, in: 50_000, out: 9, to: Self.helper))])
        found += Self.alerts(plugin, sell)
        return found
    }

    /// Once five have bought and none sold for five blocks, one round trip is asked for; a sell
    /// that reverts there is a honeypot at once, before any privileged account sells.
    @Test func aSuspectAsksForOneRoundTripAndARevertedSellIsAHoneypotAtOnce() throws {
        let plugin = HoneypotWatch(minBuyers: 5, minHoldBlocks: 5)
        let out = Self.buyers(plugin)
        let asked = Self.requests(out)
        #expect(asked.count == 1)
        let r = try #require(asked.first)
        #expect(r.kind == .v2RoundTrip && r.pool == Self.pool && r.token == Self.token && r.block == 11)
        #expect(r.cause.blockNumber == 11)
        #expect(out.allSatisfy { if case .alert = $0 { false } else { true } })

        var answer = SimulationResult(outcome: .sellReverted, reason: "TRANSFER_FAILED")
        answer.buyReceived = UInt256(1_000)
        let said = plugin.simulated(answer, for: r)
        let alert = try #require(said.compactMap { if case .alert(let a) = $0 { a } else { nil } }.first)
        #expect(said.count == 1)
        #expect(alert.severity == .critical && alert.pool == Self.pool && alert.cause == r.cause)
        #expect(alert.addresses.first == Self.owner)
        #expect(alert.metadata["responsible"] == "\(Self.owner)")
        #expect(alert.metadata["mechanism"] == "simulated sell blocked")
        #expect(alert.metadata["simulationReason"] == "TRANSFER_FAILED")
        #expect(alert.labels.contains { $0.label == "scam-token" && $0.entity == "\(Self.token)" })
        // The privileged sell later says nothing more.
        #expect(Self.privilegedSell(plugin).isEmpty)
    }

    /// A confiscatory tax seen in the round trip is a honeypot too; a round trip that sells back
    /// lowers the later sell-blocked alert to medium (reported, no veto), with the evidence.
    @Test func aSimulatedTaxAlertsAndASellableRoundTripLowersTheLaterAlert() throws {
        let taxed = HoneypotWatch()
        let r = try #require(Self.requests(Self.buyers(taxed)).first)
        var tax = SimulationResult(outcome: .roundTrip)
        (tax.spent, tax.buyExpected, tax.buyReceived, tax.sellArrived) = (UInt256(100), UInt256(1_000), UInt256(1_000), UInt256(600))
        let said = taxed.simulated(tax, for: r)
        #expect(said.count == 1)
        if case .alert(let a)? = said.first {
            #expect(a.metadata["mechanism"] == "simulated tax" && a.metadata["simulationSellTax"] == "0.4")
        }

        let fine = HoneypotWatch()
        let r2 = try #require(Self.requests(Self.buyers(fine)).first)
        var sold = SimulationResult(outcome: .roundTrip)
        (sold.spent, sold.buyExpected, sold.buyReceived, sold.sellArrived, sold.sellReceived) =
            (UInt256(100), UInt256(1_000), UInt256(1_000), UInt256(1_000), UInt256(99))
        #expect(fine.simulated(sold, for: r2).isEmpty)
        let later = Self.privilegedSell(fine)
        #expect(later.count == 1)
        #expect(later.first?.severity == .medium)
        #expect(later.first?.metadata["simulationSaysSellable"] == "true")
        #expect(later.first?.metadata["simulationRoundTripLoss"] == "0.01")
    }

    /// A failed simulation changes nothing (the rule still judges); `simulate: false` asks nothing.
    @Test func aFailedSimulationOrNoneLeavesTheRule() throws {
        let plugin = HoneypotWatch()
        let r = try #require(Self.requests(Self.buyers(plugin)).first)
        #expect(plugin.simulated(SimulationResult(outcome: .failed, reason: "timeout"), for: r).isEmpty)
        #expect(Self.privilegedSell(plugin).first?.severity == .critical)

        let quiet = HoneypotWatch(simulate: false)
        #expect(Self.requests(Self.buyers(quiet)).isEmpty)
        #expect(Self.privilegedSell(quiet).count == 1)
    }
}
