import Foundation
import Logging
import SigilBundle
import SigilChain
import SigilCore
import SigilFeeds
import SigilPluginAPI
import SigilRuntime
import SigilTestSupport
import Testing

/// A plugin that asks for a round trip at every closed block and alerts when it traps buyers.
final class AskingPlugin: StrategyPlugin {
    static let kind = "asking"
    static let summary = "test plugin: asks for a simulation at every block"
    static let parameterSpecs: [ParameterSpec] = []
    static let modelRoles: [String] = []
    static let wantsBlocks = true
    static let pool = BlockBuilder.address(0x01), token = BlockBuilder.address(0x20)
    let eventKinds: Set<String> = ["erc20.transfer"]

    init(parameters: ParameterValues, models: [String: any PredictiveModel]) throws {}
    func handle(_ event: MarketEvent, pool: PoolSnapshot) -> [PluginOutput] { [] }

    func blockClosed(_ block: ClosedBlock) -> [PluginOutput] {
        guard let first = block.events.first else { return [] }
        return [.simulate(SimulationRequest(kind: .v2RoundTrip, pool: Self.pool, token: Self.token, block: block.number, cause: first.id))]
    }

    func simulated(_ result: SimulationResult, for request: SimulationRequest) -> [PluginOutput] {
        guard result.trapsBuyers(maxTax: 0.25) else { return [] }
        return [.alert(Alert(alertId: "T", name: "t", description: "t", severity: .critical, kind: .scam, pool: request.pool,
                             addresses: [request.token], labels: [], metadata: [:], cause: request.cause))]
    }
}

/// `honeypot-watch` on a live devnet feed with `simulation:` configured: buyers buy three tokens
/// (real Uniswap V2 pairs), nobody sells, and the runtime's `eth_call` round trips tell the
/// honeypot and the confiscatory tax from the plain token before any owner sells.
@Suite(.serialized) struct HoneypotSimulationTests {
    static func run(_ node: DevnetProcess, dir: String, stop: UInt64, simulation: String) async throws -> LiveService.Status {
        let yaml = """
            feeds:
              - {name: devnet, kind: ethereum, url: "\(node.wsURL)", from_block: 0, silence_timeout: 5, request_timeout: 5}
            strategies:
              - {name: honeypots, plugin: honeypot-watch, params: {min_buyers: 5, min_hold_blocks: 2}}
            \(simulation)
            outputs: {jsonl: \(dir)/out.jsonl, sqlite: \(dir)/out.sqlite}
            """
        let config = try ConfigLoader.parse(yaml, file: dir + "/honeypots.yaml", components: .bundled)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let box = LiveService.OutcomeBox()
        let service = LiveService(config: config, models: [:], logger: logger, stopAtBlock: stop, statusInterval: .seconds(60),
                                  outcome: box) { _ in }
        try await withTimeout(.seconds(300), "the live run did not reach block \(stop)") { try await service.run() }
        return try #require(box.outcome)
    }

    static func alerts(_ dir: String) throws -> [[String: Any]] {
        let text = try String(contentsOfFile: dir + "/out.jsonl", encoding: .utf8)
        return text.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }.filter { ($0["type"] as? String) == "alert" }
    }

    @Test func simulationFindsTheHoneypotAndTheTaxBeforeAnyOwnerSells() async throws {
        let node = try await DevnetProcess(seed: 43)
        let d = try await node.drive(["honeypots", "--buyers", "6", "--tax-bps", "3000"])
        let pairs = try #require(d["pairs"] as? [String: String]), owner = try #require(d["owner"] as? String)
        let weth = try #require(d["weth"] as? String), last = UInt64(try #require(d["last_block"] as? Int))
        let rpc = HTTPRPCClient(url: node.httpURL)
        _ = try await rpc.call("sigil_mine", [.int(2)])  // heads after the last buy, so it closes

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sigil-hp-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let simulation = "simulation: {rpc: \"\(node.httpURL)\", weth: \"\(weth)\", timeout: 10}"
        let status = try await Self.run(node, dir: dir + "", stop: last, simulation: simulation)
        #expect(status.summary.simulations == 3, "one round trip per token: \(status.summary)")

        let found = try Self.alerts(dir)
        func body(_ a: [String: Any]) -> [String: Any] { (a["alert"] as? [String: Any]) ?? a }
        func meta(_ a: [String: Any]) -> [String: String] { (body(a)["metadata"] as? [String: String]) ?? [:] }
        let byPool = Dictionary(grouping: found) { meta($0)["pool"] ?? "" }
        #expect(byPool[pairs["plain"]!] == nil, "the plain token sold back: \(found)")
        let honey = try #require(byPool[pairs["honeypot"]!]?.first, "no alert on the honeypot: \(found)")
        #expect(byPool[pairs["honeypot"]!]?.count == 1)
        #expect(meta(honey)["mechanism"] == "simulated sell blocked")
        #expect(meta(honey)["simulationReason"] == "TRANSFER_FAILED")
        #expect(meta(honey)["responsible"] == owner)
        #expect(body(honey)["severity"] as? String == "critical")
        let tax = try #require(byPool[pairs["tax"]!]?.first, "no alert on the tax token: \(found)")
        #expect(meta(tax)["mechanism"] == "simulated tax")
        #expect(meta(tax)["simulationSellTax"] == "0.3")
        #expect(meta(tax)["responsible"] == owner)

        // Run again over the same store (a restart past the stop block ends at once): the
        // rebuilt requests are answered again and nothing is stored twice.
        let again = try await Self.run(node, dir: dir, stop: last, simulation: simulation)
        #expect(again.summary.newOutputs == 0)
        #expect(try Self.alerts(dir).count == found.count)

        // Without simulation the same flow says nothing: no owner has sold yet.
        let plainDir = dir + "/no-simulation"
        try FileManager.default.createDirectory(atPath: plainDir, withIntermediateDirectories: true)
        let quiet = try await Self.run(node, dir: plainDir, stop: last, simulation: "")
        #expect(quiet.summary.simulations == 0)
        #expect(try Self.alerts(plainDir).isEmpty)
    }

    @Test func simulationIsRefusedForReplaysAndChecked() throws {
        let dir = FileManager.default.temporaryDirectory.path
        func load(_ feeds: String, _ sim: String) throws(ConfigError) -> SigilConfig {
            try ConfigLoader.parse("feeds:\n\(feeds)\nsimulation: \(sim)\noutputs: {jsonl: \(dir)/x.jsonl, sqlite: \(dir)/x.sqlite}\n",
                                   file: "/tmp/s.yaml", components: .bundled)
        }
        let live = "  - {name: n, kind: ethereum, url: \"ws://127.0.0.1:1\"}"
        let replay = "  - {name: r, kind: replay, path: \(Peers.root)/data/replay/sigil-scenarios.jsonl.gz}"
        let weth = "\"0x" + String(repeating: "11", count: 20) + "\""
        let ok = try load(live, "{rpc: \"http://127.0.0.1:1\", weth: \(weth)}")
        #expect(ok.simulation?.timeout == 5 && ok.simulation?.offerEth == 1)
        #expect(ok.effectiveYAML.contains("simulation:\n  rpc: http://127.0.0.1:1"))
        for (feeds, sim, says) in [(replay, "{rpc: \"http://127.0.0.1:1\", weth: \(weth)}", "a replay's blocks are not on it"),
                                   (live, "{rpc: \"ws://127.0.0.1:1\", weth: \(weth)}", "http:// or https://"),
                                   (live, "{rpc: \"http://127.0.0.1:1\"}", "needs 'rpc'"),
                                   (live, "{rpc: \"http://127.0.0.1:1\", weth: \(weth), gas: 1}", "offer_eth"),
                                   (live, "{rpc: \"http://127.0.0.1:1\", weth: \(weth), timeout: 0}", "timeout")] {
            do {
                _ = try load(feeds, sim)
                Issue.record("accepted \(sim)")
            } catch {
                #expect(error.description.contains(says), "\(error.description)")
                #expect(error.line >= 1)
            }
        }
    }

    static func engine(simulates: Bool) throws -> Engine {
        let dir = FileManager.default.temporaryDirectory.path
        let yaml = """
            feeds: [{name: r, kind: replay, path: \(Peers.root)/data/replay/sigil-scenarios.jsonl.gz}]
            strategies: [{name: ask, plugin: asking}]
            outputs: {jsonl: \(dir)/ask.jsonl, sqlite: \(dir)/ask.sqlite}
            """
        let components = Components(plugins: PluginRegistry([AskingPlugin.self]), feeds: Components.bundled.feeds)
        let engine = try Engine(config: try ConfigLoader.parse(yaml, file: dir + "/ask.yaml", components: components))
        engine.simulates = simulates
        return engine
    }

    static func closeBlock(_ engine: Engine, _ n: UInt64) -> [OutputRecord] {
        var b = BlockBuilder(number: n)
        b.tx([(AskingPlugin.token, BlockBuilder.transfer(BlockBuilder.address(0x30), BlockBuilder.address(0x31), 5))])
        var out: [OutputRecord] = []
        for e in b.events { out += engine.process(e) }
        return out + engine.closeBlock(chainId: 1, through: n)
    }

    /// Requests wait in the engine (and in its snapshot, so a restart answers them); without
    /// `simulation:` they are dropped and counted; an answer's alert reaches the risk gate.
    @Test func requestsWaitInTheSnapshotAndAnswersReachTheGate() throws {
        let off = try Self.engine(simulates: false)
        #expect(Self.closeBlock(off, 5).isEmpty)
        #expect(off.pendingSimulations.isEmpty && off.simulationsDropped == 1)

        let on = try Self.engine(simulates: true)
        _ = Self.closeBlock(on, 5)
        #expect(on.pendingSimulations.count == 1)
        let snapshot = try on.snapshot(chainId: 1, closed: 5)
        let restored = try Self.engine(simulates: true)
        try restored.restore(snapshot)
        #expect(restored.pendingSimulations == on.pendingSimulations)
        let ignored = try Self.engine(simulates: false)
        try ignored.restore(snapshot)
        #expect(ignored.pendingSimulations.isEmpty && ignored.simulationsDropped == 1)

        let pending = try #require(restored.takePendingSimulations().first)
        #expect(restored.pendingSimulations.isEmpty)
        #expect(pending.strategy == "ask" && pending.request.block == 5)
        #expect(restored.deliver(SimulationResult(outcome: .failed, reason: "timeout"), for: pending).isEmpty)
        let records = restored.deliver(SimulationResult(outcome: .sellReverted, reason: "TRANSFER_FAILED"), for: pending)
        #expect(records.count == 1)
        #expect(records.first?.type == "alert" && records.first?.strategy == "ask")
        #expect(restored.gate.poolsVetoedUntil[AskingPlugin.pool] != nil, "the answer's critical alert vetoes the pool")
    }

    /// A node that accepts connections and never answers: every simulation ends `failed` after
    /// its timeout, answered in the order asked, and many of them wait together (up to
    /// `simulationsAtOnce` connections open at once, counted at the node), not one after another.
    @Test func aSilentNodeCostsATimeoutPerBatchNotPerRequest() async throws {
        let peer = try SilentListener(accepting: true)
        defer { withExtendedLifetime(peer) {} }
        let probe = HoneypotProbe(rpc: HTTPRPCClient(url: "http://127.0.0.1:\(peer.port)"), weth: BlockBuilder.address(0x11),
                                  timeout: .seconds(2))
        let pending = (0..<48).map { i in
            Engine.PendingSimulation(strategy: "s\(i)", request: SimulationRequest(kind: .v2RoundTrip, pool: BlockBuilder.address(0x01),
                                                                                  token: BlockBuilder.address(UInt8(0x20 + i)), block: UInt64(i),
                                                                                  cause: RiskGateTests.id(UInt64(i))))
        }
        let answers = await LiveService.simulate(pending, with: probe)
        #expect(answers.count == 48)
        #expect(answers.allSatisfy { $0.outcome == .failed && $0.reason.contains("longer than") }, "\(answers.first.map { "\($0)" } ?? "")")
        #expect(peer.mostOpen > 1 && peer.mostOpen <= LiveService.simulationsAtOnce, "\(peer.mostOpen) connections open at once")
        print("silent node: \(peer.accepted) connections, at most \(peer.mostOpen) open at once")
    }
}
