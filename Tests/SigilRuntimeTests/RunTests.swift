import Foundation
import SigilBundle
import SigilCore
import SigilRuntime
import SigilTestSupport
import Testing

/// `sigil run`'s core on the bundled configuration: outputs in SQLite and JSONL, each once.
@Suite struct RunTests {
    static func tempConfig() throws -> (path: String, dir: String) { try Fixtures.bundledConfig() }

    static func manifestCounts() throws -> (frames: Int, logs: Int) { try Fixtures.manifestCounts() }

    @Test func replayStoresEveryOutputOnceAcrossRuns() async throws {
        let (path, dir) = try Self.tempConfig()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = try ConfigLoader.load(path: path, components: .bundled)
        #expect(config.outputs.sqlite == dir + "/out/sigil.sqlite")
        let gate = try await ModelGate.check(config)
        let counts = try Self.manifestCounts()
        var first = 0
        for run in 1...2 {
            let store = try OutputStore(sqlitePath: config.outputs.sqlite, jsonlPath: config.outputs.jsonl)
            let summary = try ReplayRun.run(config: config, models: gate.verified, store: store).summary
            #expect(summary.events == counts.logs && summary.frames == counts.frames && summary.rejected.isEmpty)
            #expect(summary.alertsBySeverity == ["critical": 3])
            if run == 1 { first = summary.newOutputs }
            #expect(summary.newOutputs == (run == 1 ? summary.outputs : 0))
            let saved = try #require(try store.savedPortfolio())
            #expect(saved.fills == summary.fills && summary.fills > 0)
            try store.close()
        }
        #expect(first > 3, "alerts and signals")
        let lines = try String(contentsOfFile: config.outputs.jsonl, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == first, "the second run appends nothing")
        var types: [String: Int] = [:]
        for line in lines {
            let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let event = obj["event"] as! [String: Any]
            types[obj["type"] as! String, default: 0] += 1
            #expect((event["blockHash"] as! String).count == 66 && (event["transactionHash"] as! String).count == 66)
            #expect(event["logIndex"] is NSNumber && event["chainId"] is NSNumber)
            if let alert = obj["alert"] as? [String: Any] {
                #expect(obj["strategy"] as? String == "rug-guard")
                #expect(alert["severity"] as? String == "critical" && alert["type"] as? String == "scam")
            }
            if let signal = obj["signal"] as? [String: Any] {
                let model = signal["model"] as! [String: Any]
                #expect(model["id"] as? String == "sigil/model-signal" && model["version"] as? NSNumber == 1)
                #expect((model["weightsHash"] as! String).count == 66)
            }
        }
        #expect(types["alert"] == 3 && (types["signal"] ?? 0) > 0 && (types["fill"] ?? 0) > 0)
    }
}
