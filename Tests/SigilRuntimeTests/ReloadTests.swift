import Foundation
import SigilBundle
import SigilCore
import SigilPluginAPI
import SigilRuntime
import SigilTestSupport
import Testing

/// A plugin with one reloadable parameter and one that shapes its state, counting the swaps it
/// saw (its state); it refuses to be built at level 99, so a reload can fail part-way.
final class Tunable: StrategyPlugin {
    static let kind = "tunable"
    static let summary = "test plugin: counts swaps"
    static let parameterSpecs: [ParameterSpec] = [
        ParameterSpec("level", .int(0...100), default: .int(5), help: "a level", reloadable: true),
        ParameterSpec("window", .int(1...100), default: .int(10), help: "shapes the state"),
    ]
    static let modelRoles: [String] = []
    let eventKinds: Set<String> = ["v2.swap", "v3.swap"]
    let level: Int64
    var state = 0

    init(parameters: ParameterValues, models: [String: any PredictiveModel]) throws {
        level = parameters.int("level")
        if level == 99 { throw PluginError("level 99 is refused by the plugin") }
    }

    func handle(_ event: MarketEvent, pool: PoolSnapshot) -> [PluginOutput] {
        state += 1
        return []
    }
}

@Suite struct ReloadTests {
    static let components = Components(plugins: PluginRegistry(Components.bundled.plugins.all + [Tunable.self]), feeds: Components.bundled.feeds)

    static func config(dir: String, a: String = "{level: 5}", b: String = "{level: 5}", extra: String = "") throws -> SigilConfig {
        let text = """
            feeds:
              - {name: f, kind: replay, path: \(Peers.root)/data/replay/sigil-scenarios.jsonl.gz}
            strategies:
              - {name: a, plugin: tunable, params: \(a)}
              - {name: b, plugin: tunable, params: \(b)}
            outputs: {jsonl: \(dir)/out.jsonl, sqlite: \(dir)/out.sqlite}
            \(extra)
            """
        return try ConfigLoader.parse(text, file: dir + "/s.yaml", components: components)
    }

    @Test func aReloadSeparatesWhatItTakesFromWhatNeedsARestart() throws {
        let dir = try Fixtures.tempDir("sigil-reload")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let running = try Self.config(dir: dir)
        #expect(ConfigReload(running: running, file: running) == ConfigReload(running: running, file: running))
        #expect(ConfigReload(running: running, file: running).changes.isEmpty && ConfigReload(running: running, file: running).needsRestart.isEmpty)

        let plan = ConfigReload(running: running, file: try Self.config(dir: dir, a: "{level: 7, window: 20}", b: "{level: 5}",
                                                                        extra: "risk: {veto_blocks: 10}"))
        #expect(plan.changes.map(\.description) == ["a.level 5 → 7"])
        #expect(plan.needsRestart == ["risk", "strategies.a.params.window"])
        let applied = plan.applied(to: running)
        #expect(applied.strategies[0].parameters.int("level") == 7 && applied.strategies[0].parameters.int("window") == 10)
        #expect(applied.risk == running.risk)

        let moved = try ConfigLoader.parse("""
            feeds:
              - {name: f, kind: replay, path: \(Peers.root)/data/replay/sigil-scenarios.jsonl.gz}
            strategies:
              - {name: b, plugin: tunable}
              - {name: a, plugin: tunable, params: {level: 9}}
            outputs: {jsonl: \(dir)/other.jsonl, sqlite: \(dir)/out.sqlite}
            """, file: dir + "/s.yaml", components: Self.components)
        let reordered = ConfigReload(running: running, file: moved)
        #expect(reordered.changes.isEmpty)
        #expect(reordered.needsRestart == ["outputs", "strategies (added, removed, reordered or another plugin)"])
    }

    @Test func aReloadIsAllOrNothingAndKeepsThePluginsState() async throws {
        let dir = try Fixtures.tempDir("sigil-reload")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = try Self.config(dir: dir)
        let (chainId, blocks) = try LiveRunnerTests.blocks()
        let store = try OutputStore(sqlitePath: config.outputs.sqlite, jsonlPath: config.outputs.jsonl)
        let runner = try LiveRunner(config: config, models: [:], store: store, snapshotEvery: 16)
        try await LiveRunnerTests.feed(runner, blocks[..<200], chainId: chainId)
        func plugin(_ i: Int) throws -> Tunable {
            guard let p = runner.engine.strategies[i].plugin as? Tunable else { throw PluginError("strategy \(i) is not a Tunable") }
            return p
        }
        let (a0, b0) = (try plugin(0), try plugin(1))
        let seen = a0.state
        #expect(seen > 0 && b0.state == seen)

        // b refuses level 99: a's change is not taken either.
        let refused = try runner.reload(.success(try Self.config(dir: dir, a: "{level: 7}", b: "{level: 99}")), path: "s.yaml")
        #expect(refused.count == 1 && refused[0].contains("refused, nothing changed") && refused[0].contains("level 99 is refused"), "\(refused)")
        #expect(try plugin(0) === a0 && (try plugin(1)) === b0)
        #expect(runner.engine.strategies.map { $0.parameters.int("level") } == [5, 5])
        #expect(runner.config.strategies.map { $0.parameters.int("level") } == [5, 5])

        // An unreadable file: nothing changes either.
        struct Unreadable: Error, CustomStringConvertible { var description: String { "s.yaml:3:1: YAML syntax error" } }
        let broken = try runner.reload(.failure(Unreadable()), path: "s.yaml")
        #expect(broken == ["reload of s.yaml refused, nothing changed: s.yaml:3:1: YAML syntax error"])
        #expect(try plugin(0) === a0)

        // Both levels and a window: the levels are taken, each plugin rebuilt with its count.
        let lines = try runner.reload(.success(try Self.config(dir: dir, a: "{level: 7}", b: "{level: 8, window: 3}")), path: "s.yaml")
        #expect(lines == ["reload of s.yaml: applied a.level 5 → 7; b.level 5 → 8",
                          "  differs from the running configuration and needs a restart (left as it runs): strategies.b.params.window"])
        let (a1, b1) = (try plugin(0), try plugin(1))
        #expect(a1 !== a0 && b1 !== b0 && a1.level == 7 && b1.level == 8)
        #expect(a1.state == seen && b1.state == seen)
        #expect(runner.config.strategies.map { $0.parameters.int("level") } == [7, 8])
        #expect(runner.config.strategies[1].parameters.int("window") == 10)

        // Events after it reach the rebuilt plugins; a restart from the snapshots taken before the
        // reload keeps them (reloadable values do not change the engine's fingerprint).
        try await LiveRunnerTests.feed(runner, blocks[200..<260], chainId: chainId)
        let after = try plugin(0).state
        #expect(after > seen)
        _ = try runner.restore()
        #expect(runner.restoredSnapshot != nil)
        #expect(try plugin(0).state == after && (try plugin(0)).level == 7)

        // Each reload is an info alert in the outputs, with what it applied and what it did not.
        try store.close()
        let records = try String(contentsOfFile: config.outputs.jsonl, encoding: .utf8).split(separator: "\n")
            .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            .compactMap { $0["alert"] as? [String: Any] }
        #expect(records.map { $0["alertId"] as? String } == ["SIGIL-CONFIG-RELOAD-REFUSED", "SIGIL-CONFIG-RELOAD-REFUSED", "SIGIL-CONFIG-RELOAD"])
        let last = try #require(records.last?["metadata"] as? [String: String])
        #expect(last == ["file": "s.yaml", "applied": "a.level 5 → 7; b.level 5 → 8", "needs_restart": "strategies.b.params.window"])
        #expect(records.allSatisfy { $0["severity"] as? String == "info" })
    }
}
