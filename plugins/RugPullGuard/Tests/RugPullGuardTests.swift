import Foundation
import RugPullGuard
import SigilChain
import SigilCore
import SigilFeeds
import SigilPluginAPI
import SigilRuntime
import SigilTestSupport
import Testing

/// rug-pull-guard on the bundled recording, judged against the scenario labels.
@Suite struct RugPullGuardTests {
    static func json(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: Peers.root + "/data/replay/" + name))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    /// Runs the recording through the pool book and the plugin, closing each block when the
    /// next one starts (the plugin names the recipient and emits at the block's close).
    static func alerts(_ plugin: RugPullGuard) throws -> [Alert] {
        let manifest = try json("manifest.json")
        let chainId = (manifest["chainId"] as! NSNumber).uint64Value
        let decoder = FrameDecoder(chainId: chainId)
        let recording = try Recording(path: Peers.root + "/data/replay/sigil-scenarios.jsonl.gz")
        var book = PoolBook()
        var out: [Alert] = []
        var open: [MarketEvent] = []
        func close() {
            guard let first = open.first else { return }
            let block = ClosedBlock(chainId: chainId, number: first.id.blockNumber, events: open, pools: [:])
            for case .alert(let a) in plugin.blockClosed(block) { out.append(a) }
            open = []
        }
        try recording.forEachFrame { frame in
            guard case .event(let e, _) = try decoder.decode(frame), let pool = book.apply(e) else { return }
            guard plugin.eventKinds.contains(e.payload.kind) else { return }
            if let first = open.first, first.id.blockNumber != e.id.blockNumber { close() }
            open.append(e)
            for case .alert(let a) in plugin.handle(e, pool: pool) { out.append(a) }
        }
        close()
        return out
    }

    /// A removal through the router's ETH path burns to the router, which forwards the tokens:
    /// the account they reach is named, not the router.
    @Test func theAccountTheLiquidityReachedIsNamedNotTheRouter() {
        let pool = BlockBuilder.address(0x01), router = BlockBuilder.address(0xee), creator = BlockBuilder.address(0xc0)
        let token = BlockBuilder.address(0x10), weth = BlockBuilder.address(0x11)
        let plugin = RugPullGuard()
        var snapshot = PoolSnapshot(address: pool, dex: .uniswapV2)
        snapshot.token0 = token
        snapshot.token1 = weth
        snapshot.createdBlock = 90
        snapshot.reserve0 = UInt256(50)
        var b = BlockBuilder(number: 100)
        b.tx([(token, BlockBuilder.transfer(pool, router, 950)), (weth, BlockBuilder.transfer(pool, router, 90)),
              (pool, .v2Burn(sender: router, to: router, amount0: UInt256(950), amount1: UInt256(90))),
              (token, BlockBuilder.transfer(router, creator, 950))])
        let burn = b.events[2]
        #expect(plugin.handle(burn, pool: snapshot).isEmpty, "named at the block's close")
        let alerts = plugin.blockClosed(b.block).compactMap { if case .alert(let a) = $0 { a } else { nil } }
        #expect(alerts.count == 1)
        #expect(alerts.first?.metadata["recipient"] == "\(creator)")
        #expect(alerts.first?.metadata["responsible"] == "\(creator)")
        #expect(alerts.first?.cause == burn.id)
    }

    /// V3: the burn's owner is the position manager; the collect that follows pays the account.
    /// A position minted and withdrawn in one block (just-in-time liquidity) is not a rug pull.
    @Test func aV3PullNamesTheCollectsRecipientAndJustInTimeLiquidityIsNot() {
        let pool = BlockBuilder.address(0x03), manager = BlockBuilder.address(0xdd), taker = BlockBuilder.address(0xc1)
        let token = BlockBuilder.address(0x10)
        var snapshot = PoolSnapshot(address: pool, dex: .uniswapV3)
        snapshot.token0 = token
        snapshot.token1 = BlockBuilder.address(0x11)
        snapshot.createdBlock = 90
        snapshot.positionLiquidity = 100
        let plugin = RugPullGuard()
        var jit = BlockBuilder(number: 100)
        jit.tx([(pool, .v3Mint(sender: manager, owner: manager, tickLower: -60, tickUpper: 60, amount: UInt256(10_000), amount0: UInt256(1), amount1: UInt256(1)))])
        jit.tx([(pool, .v3Burn(owner: manager, tickLower: -60, tickUpper: 60, amount: UInt256(10_000), amount0: UInt256(1), amount1: UInt256(1)))])
        for e in jit.events { _ = plugin.handle(e, pool: snapshot) }
        #expect(plugin.blockClosed(jit.block).isEmpty)
        var pull = BlockBuilder(number: 101)
        pull.tx([(pool, .v3Burn(owner: manager, tickLower: -887_220, tickUpper: 887_220, amount: UInt256(900), amount0: UInt256(5), amount1: UInt256(5)))])
        pull.tx([(token, BlockBuilder.transfer(pool, taker, 5))])
        for e in pull.events where e.payload.kind == "v3.burn" { _ = plugin.handle(e, pool: snapshot) }
        let alerts = plugin.blockClosed(pull.block).compactMap { if case .alert(let a) = $0 { a } else { nil } }
        #expect(alerts.map { $0.metadata["recipient"] } == ["\(taker)"])
    }

    @Test func alertsOnEveryLabelledRugPullAndNothingElse() throws {
        let labels = (try Self.json("labels.json")["scenarios"] as! [[String: Any]])
        let rugPools = Set(labels.filter { $0["kind"] as! String == "rug_pull" }.map { $0["pool"] as! String })
        let controls = Set(labels.filter { $0["kind"] as! String == "legit_launch" }.map { $0["pool"] as! String })
        #expect(rugPools.count == 3 && controls.count == 1)
        let alerts = try Self.alerts(RugPullGuard())
        #expect(Set(alerts.map { $0.pool.description }) == rugPools)
        #expect(alerts.count == rugPools.count, "one alert per pool")
        for a in alerts {
            #expect(a.severity == .critical && a.kind == .scam && a.alertId == "SIGIL-RUG-PULL-1")
            let label = labels.first { $0["pool"] as? String == a.pool.description }!
            // the alert is caused by the labelled pull transaction
            let pulls = (label["txs"] as! [[String: Any]]).filter { $0["role"] as! String == "pull" }.map { $0["hash"] as! String }
            #expect(pulls.contains(a.cause.transactionHash.description))
            if label["dex"] as! String == "v2" {
                #expect(a.addresses.contains { $0.description == label["creator"] as! String }, "names who took the liquidity")
            }
        }
    }

    @Test func aStricterThresholdSparesTheSmallerPulls() throws {
        // The labelled pulls take 92–95%; at 96% none qualifies.
        #expect(try Self.alerts(RugPullGuard(parameters: .init(minShare: 0.96))).isEmpty)
        // Pools older than the age limit are not judged.
        #expect(try Self.alerts(RugPullGuard(parameters: .init(maxAgeBlocks: 5))).isEmpty)
    }
}
