import Foundation
import SigilBundle
import SigilCore
import SigilRuntime
import SigilTestSupport
import Testing

/// `sigil run`'s core on the bundled configuration: outputs in SQLite and JSONL, each once.
@Suite struct RunTests {
    static func tempConfig() throws -> (path: String, dir: String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sigil-run-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let yaml = try String(contentsOfFile: Peers.root + "/strategies.yaml", encoding: .utf8)
            .replacingOccurrences(of: "path: data/replay/", with: "path: \(Peers.root)/data/replay/")
            .replacingOccurrences(of: "snapshot: models/", with: "snapshot: \(Peers.root)/models/")
            .replacingOccurrences(of: "file: models/", with: "file: \(Peers.root)/models/")
        try yaml.write(toFile: dir + "/strategies.yaml", atomically: true, encoding: .utf8)
        return (dir + "/strategies.yaml", dir)
    }

    /// Frames and log frames of the bundled recording, from its manifest.
    static func manifestCounts() throws -> (frames: Int, logs: Int) {
        let data = try Data(contentsOf: URL(fileURLWithPath: Peers.root + "/data/replay/manifest.json"))
        let obj = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        let file = (obj["files"] as! [String: Any])["sigil-scenarios.jsonl.gz"] as! [String: Any]
        return ((file["frames"] as! NSNumber).intValue, ((file["byKind"] as! [String: Any])["log"] as! NSNumber).intValue)
    }

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

    @Test func everyBundledModelVerifies() async throws {
        for (id, file) in [("sigil/model-signal", "model-signal-logistic"), ("sigil/model-signal-mlp", "model-signal-mlp")] {
            let path = Peers.root + "/models/\(file).safetensors"
            let bySnapshot = try await Peers.sigil(["verify-model", path, "--model", id, "--snapshot", Peers.root + "/models/registry-snapshot.json"])
            #expect(bySnapshot.status == 0 && bySnapshot.out.hasPrefix("MATCH"), "\(bySnapshot)")
            let (config, dir) = try Self.tempConfig()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let byConfig = try await Peers.sigil(["verify-model", path, "--model", id, "--config", config, "--json"])
            #expect(byConfig.status == 0 && byConfig.out.contains(#""verdict":"match""#), "\(byConfig)")
        }
        let both = try await Peers.sigil(["verify-model", "x", "--model", "m", "--snapshot", "s", "--rpc", "http://x"])
        #expect(both.status != 0 && both.err.contains("give one registry"))
    }

    @Test func theCommandRunsEndToEnd() async throws {
        let (path, dir) = try Self.tempConfig()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try await Peers.sigil(["run", path])
        #expect(r.status == 0, "\(r.err)")
        let counts = try Self.manifestCounts()
        #expect(r.out.contains("summary: \(counts.frames) frames, \(counts.logs) events") && r.out.contains("alerts: 3 (3 critical)"), "\(r.out)")
        let bad = try await Peers.sigil(["run", dir + "/missing.yaml"])
        #expect(bad.status == 2 && bad.err.contains("missing.yaml:1:1"))
    }
}
