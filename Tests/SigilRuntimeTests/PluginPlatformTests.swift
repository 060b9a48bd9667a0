import Foundation
import GRDB
import Logging
import SigilBundle
import SigilCore
import SigilFeeds
import SigilHyperliquidFeed
import SigilModels
import SigilPluginAPI
import SigilRuntime
import SigilTestSupport
import Synchronization
import Testing

/// A plugin written against the plugin API alone (it is not in SigilBundle): one info alert per
/// closed block, carrying what it was shown, so the tests can check what the runtime hands a
/// plugin that judges whole blocks.
final class BlockAudit: StrategyPlugin {
    static let kind = "block-audit"
    static let summary = "test plugin: an alert per closed block"
    static let parameterSpecs: [ParameterSpec] = []
    static let modelRoles: [String] = []
    static let wantsBlocks = true
    let eventKinds: Set<String> = []

    init(parameters: ParameterValues, models: [String: any PredictiveModel]) throws {}

    func handle(_ event: MarketEvent, pool: PoolSnapshot) -> [PluginOutput] { [] }

    func blockClosed(_ block: ClosedBlock) -> [PluginOutput] {
        guard let first = block.events.first else { return [] }
        let ordered = zip(block.events, block.events.dropFirst()).allSatisfy {
            ($0.id.transactionIndex, $0.id.logIndex) < ($1.id.transactionIndex, $1.id.logIndex)
        }
        let sameBlock = block.events.allSatisfy { $0.id.blockNumber == block.number && $0.id.blockHash == first.id.blockHash }
        let txs = block.transactions
        return [.alert(Alert(alertId: "TEST-BLOCK", name: "block", description: "a closed block", severity: .info, kind: .info,
                             pool: first.emitter, addresses: [], labels: [],
                             metadata: ["events": "\(block.events.count)", "transactions": "\(txs.count)", "ordered": "\(ordered)",
                                        "sameBlock": "\(sameBlock)", "pools": "\(block.pools.count)",
                                        "grouped": "\(txs.map(\.events.count).reduce(0, +) == block.events.count)"],
                             cause: first.id))]
    }
}

@Suite struct PluginPlatformTests {
    /// The bundled replay's JSONL, byte for byte: the composition root and the plugin API
    /// changed no output. The last refresh: models' layers sum in a fixed order instead of
    /// through OpenBLAS, whose kernels (AVX2 or AVX-512, chosen by the CPU) rounded the signals'
    /// confidences differently from one machine to the next; the same outputs, last digits aside.
    /// (Refresh only for a change that means to change outputs, and say why in the commit.)
    static let bundledOutputsSHA256 = "0xdffc260bf5242a8ed76e56d749655ffe3ed6f72ed3b54d9a694b5cd65d294a60"

    @Test func theBundledReplayGivesTheCommittedOutputs() async throws {
        let (path, dir) = try RunTests.tempConfig()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = try ConfigLoader.load(path: path, components: .bundled)
        let gate = try await ModelGate.check(config)
        let store = try OutputStore(sqlitePath: config.outputs.sqlite, jsonlPath: config.outputs.jsonl)
        let summary = try ReplayRun.run(config: config, models: gate.verified, store: store).summary
        try store.close()
        #expect(summary.newOutputs == 632)
        let jsonl = try InputFile.bytes(config.outputs.jsonl, what: "outputs", limit: 1 << 26)
        #expect("\(ModelHash.sha256(jsonl))" == Self.bundledOutputsSHA256)
    }

    /// The libraries know plugins and feeds only through their protocols: no runtime,
    /// contributor or coordinator source imports a concrete plugin or feed.
    @Test func onlyTheCompositionRootImportsConcretePluginsAndFeeds() throws {
        let plugins = try FileManager.default.contentsOfDirectory(atPath: Peers.root + "/plugins")
        #expect(plugins.contains("WashTradeWatch") && plugins.count >= 8)
        let concrete = plugins + ["SigilEthereumFeed", "SigilHyperliquidFeed", "SigilBundle"]
        for library in ["SigilRuntime", "SigilContrib", "SigilCoordinator", "SigilFeeds", "SigilPluginAPI", "SigilModels", "SigilChain", "SigilBacktest"] {
            let root = Peers.root + "/Sources/" + library
            let files = try #require(FileManager.default.enumerator(atPath: root)?.allObjects as? [String]).filter { $0.hasSuffix(".swift") }
            #expect(!files.isEmpty)
            for file in files {
                let text = try String(contentsOfFile: root + "/" + file, encoding: .utf8)
                for line in text.split(separator: "\n") where line.hasPrefix("import ") || line.hasPrefix("public import ") {
                    let module = line.split(separator: " ").last.map(String.init) ?? ""
                    #expect(!concrete.contains(module), "\(library)/\(file) imports \(module)")
                }
            }
        }
    }

    static func auditConfig(_ dir: String) throws -> SigilConfig {
        let yaml = """
            feeds:
              - {name: f, path: \(Peers.root)/data/replay/sigil-scenarios.jsonl.gz}
            strategies:
              - {name: audit, plugin: block-audit}
            outputs: {jsonl: \(dir)/out.jsonl, sqlite: \(dir)/out.sqlite}
            """
        let components = Components(plugins: PluginRegistry([BlockAudit.self]), feeds: Components.bundled.feeds)
        return try ConfigLoader.parse(yaml, file: dir + "/audit.yaml", components: components)
    }

    static func alerts(_ sqlite: String) throws -> [String: [String: String]] {
        let db = try DatabaseQueue(path: sqlite)
        return try db.read { db in
            var out: [String: [String: String]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT key, json FROM outputs WHERE type = 'alert' AND retracted = 0") {
                let obj = try JSONSerialization.jsonObject(with: Data((row["json"] as String).utf8)) as! [String: Any]
                out[row["key"]] = (obj["alert"] as! [String: Any])["metadata"] as? [String: String]
            }
            return out
        }
    }

    /// A plugin that judges whole blocks sees each closed block once, its events in chain order
    /// and grouped by transaction, and says the same through replay, through the live runner,
    /// and through a live runner killed mid-block and restarted.
    @Test func aBlockPluginSeesEveryClosedBlockTheSameInReplayLiveAndAcrossARestart() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sigil-blocks-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = try Self.auditConfig(dir)
        let store = try OutputStore(sqlitePath: config.outputs.sqlite, jsonlPath: config.outputs.jsonl)
        _ = try ReplayRun.run(config: config, models: [:], store: store)
        try store.close()
        let replayed = try Self.alerts(config.outputs.sqlite)

        let (chainId, blocks) = try LiveRunnerTests.blocks()
        let withEvents = blocks.filter { !$0.events.isEmpty }
        // Replay closes a block when the next head arrives: every block with events but the last.
        #expect(replayed.count == withEvents.count - 1 && replayed.count > 100)
        for (key, meta) in replayed {
            #expect(meta["ordered"] == "true" && meta["sameBlock"] == "true" && meta["grouped"] == "true", "\(key): \(meta)")
        }
        let expected = Dictionary(uniqueKeysWithValues: withEvents.map { ($0.events[0].event.id, $0.events.count) })
        #expect(replayed.values.allSatisfy { Int($0["events"] ?? "") ?? 0 > 0 })
        #expect(replayed.values.map { Int($0["events"]!)! }.reduce(0, +) == expected.values.reduce(0, +) - withEvents.last!.events.count)

        // Live, uninterrupted: the same alerts, and the last block's too (its close arrives).
        var live = config
        live.outputs.jsonl = dir + "/live.jsonl"
        live.outputs.sqlite = dir + "/live.sqlite"
        let liveStore = try OutputStore(sqlitePath: live.outputs.sqlite, jsonlPath: live.outputs.jsonl)
        try await LiveRunnerTests.feed(try LiveRunner(config: live, models: [:], store: liveStore), blocks[...], chainId: chainId)
        try liveStore.close()
        let liveAlerts = try Self.alerts(live.outputs.sqlite)
        #expect(liveAlerts.count == withEvents.count)
        #expect(replayed.allSatisfy { liveAlerts[$0.key] == $0.value })

        // Live, killed with half a block journaled, then restarted: the feed re-delivers from
        // its checkpoint; every block is judged once, whole.
        var crash = config
        crash.outputs.jsonl = dir + "/crash.jsonl"
        crash.outputs.sqlite = dir + "/crash.sqlite"
        let cut = blocks.firstIndex { $0.events.count >= 3 && $0.number > blocks[blocks.count / 2].number }!
        do {
            let s = try OutputStore(sqlitePath: crash.outputs.sqlite, jsonlPath: crash.outputs.jsonl)
            let runner = try LiveRunner(config: crash, models: [:], store: s)
            try await LiveRunnerTests.feed(runner, blocks[..<cut], chainId: chainId)
            try runner.handle(.events(feed: "f", Array(blocks[cut].events.prefix(2))))
            try s.close()
        }
        let s = try OutputStore(sqlitePath: crash.outputs.sqlite, jsonlPath: crash.outputs.jsonl)
        let runner = try LiveRunner(config: crash, models: [:], store: s)
        _ = try runner.restore()
        try await LiveRunnerTests.feed(runner, blocks[cut...], chainId: chainId)
        try s.close()
        #expect(try Self.alerts(crash.outputs.sqlite) == liveAlerts)
    }

    /// A Hyperliquid-only run: trades from the project's Hyperliquid-protocol server reach a
    /// bundled strategy (`momentum`) with the coin's market state, and its signals are stored.
    @Test func aHyperliquidOnlyRunMakesSignalsFromTrades() async throws {
        let server = try await HyperliquidProcess(coins: ["BTC", "ETH"], rate: 100, snapshot: 5)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sigil-hl-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let yaml = """
            feeds:
              - {name: hl, kind: hyperliquid, url: "\(server.wsURL)", coins: [BTC, ETH], books: true}
            strategies:
              - {name: hl-momentum, plugin: momentum, params: {lookback: 5, threshold: 0.0001, cooldown: 10}}
            outputs: {jsonl: \(dir)/out.jsonl, sqlite: \(dir)/out.sqlite}
            """
        let config = try ConfigLoader.parse(yaml, file: dir + "/hl.yaml", components: .bundled)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let latest = Mutex<LiveService.Status?>(nil)
        let box = LiveService.OutcomeBox()
        let service = LiveService(config: config, models: [:], logger: logger, statusInterval: .milliseconds(100), outcome: box) { s in
            latest.withLock { $0 = s }
        }
        let run = Task { try await service.run() }
        @Sendable func signalled() -> Int { latest.withLock { ($0?.summary.signals.values.reduce(0, +)) ?? 0 } }
        try? await eventually("ten momentum signals", poll: .milliseconds(100)) { signalled() >= 10 }
        let signals = signalled()
        run.cancel()
        try await run.value
        #expect(signals >= 10, "momentum signalled \(signals) times on the trades")
        let db = try DatabaseQueue(path: config.outputs.sqlite)
        let rows = try await db.read { try String.fetchAll($0, sql: "SELECT json FROM outputs WHERE type = 'signal'") }
        #expect(rows.count >= 10)
        var coins = Set<String>()
        for row in rows {
            let obj = try JSONSerialization.jsonObject(with: Data(row.utf8)) as! [String: Any]
            let signal = obj["signal"] as! [String: Any], meta = signal["metadata"] as! [String: String]
            #expect(obj["plugin"] as? String == "momentum" && meta["venue"] == "hyperliquid")
            coins.insert(meta["asset"] ?? "")
            #expect((obj["event"] as! [String: Any])["chainId"] as? NSNumber == NSNumber(value: HyperliquidFeed.chainId))
        }
        #expect(coins.isSubset(of: ["BTC", "ETH"]) && !coins.isEmpty)
        let trades = try await db.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM trades") ?? 0 }
        #expect(trades >= 20)
    }
}
