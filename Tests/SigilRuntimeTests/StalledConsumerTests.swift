import Foundation
import GRDB
import Logging
import SigilBundle
import SigilChain
import SigilCore
import SigilFeeds
import SigilPluginAPI
import SigilRuntime
import SigilTestSupport
import Synchronization
import Testing

/// A plugin that takes its time over every swap: a stalled consumer.
final class SlowPlugin: StrategyPlugin {
    static let kind = "slow"
    static let summary = "test plugin: holds the runner until the test releases it"
    static let parameterSpecs: [ParameterSpec] = []
    static let modelRoles: [String] = []
    let eventKinds: Set<String> = ["v2.swap", "v3.swap", "v2.sync"]

    init(parameters: ParameterValues, models: [String: any PredictiveModel]) throws {}

    /// While held, the plugin does not return at all: the runner is stalled for certain, however
    /// fast the machine runs it, until the test has seen the feed wait for it.
    static let gate = Gate()

    func handle(_ event: MarketEvent, pool: PoolSnapshot) -> [PluginOutput] {
        Self.gate.pass()
        return []
    }
}

/// Shut until opened: `pass()` blocks its thread while shut (the runner's, here).
final class Gate: @unchecked Sendable {
    private let condition = NSCondition()
    private var shut = false
    func close() { condition.lock(); shut = true; condition.unlock() }
    func open() { condition.lock(); shut = false; condition.broadcast(); condition.unlock() }
    func pass() {
        condition.lock()
        while shut { condition.wait() }
        condition.unlock()
    }
}

@Suite struct StalledConsumerTests {
    /// A fast feed (live Uniswap traffic on the devnet) and a runner that cannot keep up: the
    /// feed waits for the runner (slowdowns counted in its health), nothing is lost or
    /// duplicated against the node's eth_getLogs, and the run catches up with the chain.
    @Test func aStalledConsumerSlowsTheFeedAndLosesNothing() async throws {
        let node = try await DevnetProcess(seed: 31)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sigil-stall-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let yaml = """
            feeds:
              - {name: devnet, kind: ethereum, url: "\(node.wsURL)", from_block: 0, backfill_blocks: 1, silence_timeout: 2, request_timeout: 2,
                 reconnect: {initial: 0.05, max: 0.5}}
            strategies:
              - {name: slow, plugin: slow}
            outputs: {jsonl: \(dir)/out.jsonl, sqlite: \(dir)/out.sqlite}
            """
        let components = Components(plugins: PluginRegistry([SlowPlugin.self]), feeds: Components.bundled.feeds)
        let config = try ConfigLoader.parse(yaml, file: dir + "/stall.yaml", components: components)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let latest = Mutex<LiveService.Status?>(nil)
        let service = LiveService(config: config, models: [:], logger: logger, statusInterval: .milliseconds(100),
                                  outcome: LiveService.OutcomeBox(), queueCapacity: 4) { s in latest.withLock { $0 = s } }
        SlowPlugin.gate.close()
        defer { SlowPlugin.gate.open() }
        let run = Task { try await service.run() }

        _ = try await Peers.run("traffic", ["--rpc", node.httpURL, "--blocks", "40", "--swaps", "8"])
        // The runner is stuck in the plugin and its queue of 4 is full: the feed must wait.
        // (Read from the feed itself: the runner's status reports wait while it is stuck.)
        try await eventually("the feed waiting for the stalled runner") { (service.feedHealth.first?.slowdowns ?? 0) > 0 }
        SlowPlugin.gate.open()
        let rpc = HTTPRPCClient(url: node.httpURL)
        guard let last = try await rpc.call("eth_blockNumber", []).stringValue.flatMap({ Hex.quantity($0) }) else {
            Issue.record("no block number")
            return
        }
        _ = try await rpc.call("sigil_mine", [.int(1)])
        // Caught up when the runner (not only the feed) has handled the close of the last block.
        var health: FeedHealth.Snapshot?
        try? await eventually("the run catching up with block \(last)", poll: .milliseconds(100)) {
            let (h, handled) = latest.withLock { ($0?.feeds.first, $0?.summary.lastBlock ?? 0) }
            health = h
            return h.map { $0.delivered >= last && handled >= last } ?? false
        }
        run.cancel()
        try await run.value
        let h = try #require(health)
        #expect(h.delivered >= last, "the run did not catch up: closed \(h.delivered) of \(last)")
        let summary = latest.withLock { $0?.summary }
        #expect(h.slowdowns > 0, "the feed never waited for the runner: \(h); runner: \(String(describing: summary))")

        let topics: [JSONValue] = UniswapEvents.topics.values.sorted().map { .string("\($0)") }
        let logs = try await rpc.call("eth_getLogs", [.object(["fromBlock": .string("0x0"), "toBlock": .string(Hex.quantity(last)),
                                                               "topics": .array([.array(topics)])])])
        let truth = (logs.arrayValue ?? []).compactMap { l -> String? in
            guard let hash = l["blockHash"]?.stringValue, let index = l["logIndex"]?.stringValue.flatMap({ Hex.quantity($0) }) else { return nil }
            return "\(hash)/\(index)"
        }
        let db = try DatabaseQueue(path: config.outputs.sqlite)
        let got = try await db.read { db in
            try Row.fetchAll(db, sql: "SELECT block_hash, log_index FROM events WHERE retracted = 0 AND block_number <= ?", arguments: [Int64(last)])
                .map { "\($0["block_hash"] as String)/\($0["log_index"] as Int64)" }
        }
        #expect(truth.count > 300, "only \(truth.count) events in the traffic")
        #expect(got.count == Set(got).count, "duplicated events")
        #expect(Set(got) == Set(truth), "\(Set(truth).subtracting(got).count) lost, \(Set(got).subtracting(truth).count) foreign")
        print("stalled consumer: \(truth.count) events exactly once; slowdowns \(h.slowdowns), reconnects \(h.reconnects); \(h.lastError ?? "")")
    }
}
