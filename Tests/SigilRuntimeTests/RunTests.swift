import Foundation
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
            .replacingOccurrences(of: "snapshot: data/replay/", with: "snapshot: \(Peers.root)/data/replay/")
        try yaml.write(toFile: dir + "/strategies.yaml", atomically: true, encoding: .utf8)
        return (dir + "/strategies.yaml", dir)
    }

    @Test func replayStoresEveryAlertOnceAcrossRuns() throws {
        let (path, dir) = try Self.tempConfig()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = try ConfigLoader.load(path: path)
        #expect(config.outputs.sqlite == dir + "/out/sigil.sqlite")
        for run in 1...2 {
            let store = try OutputStore(sqlitePath: config.outputs.sqlite, jsonlPath: config.outputs.jsonl)
            let summary = try ReplayRun.run(config: config, engine: Engine(config: config), store: store)
            #expect(summary.events == 11_736 && summary.rejected.isEmpty)
            #expect(summary.outputs == 3 && summary.newOutputs == (run == 1 ? 3 : 0))
            #expect(try store.counts() == ["alert": 3])
            try store.close()
        }
        let lines = try String(contentsOfFile: config.outputs.jsonl, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 3, "the second run appends nothing")
        for line in lines {
            let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let alert = obj["alert"] as! [String: Any]
            let event = obj["event"] as! [String: Any]
            #expect(obj["type"] as? String == "alert" && obj["strategy"] as? String == "rug-guard")
            #expect(alert["severity"] as? String == "critical" && alert["type"] as? String == "scam")
            #expect((event["blockHash"] as! String).count == 66 && (event["transactionHash"] as! String).count == 66)
            #expect(event["logIndex"] is NSNumber && event["chainId"] is NSNumber)
        }
    }

    @Test func theCommandRunsEndToEnd() throws {
        let (path, dir) = try Self.tempConfig()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try Peers.sigil(["run", path])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("summary: 13767 frames, 11736 events") && r.out.contains("alerts: 3 (3 critical)"))
        let bad = try Peers.sigil(["run", dir + "/missing.yaml"])
        #expect(bad.status == 2 && bad.err.contains("missing.yaml:1:1"))
    }
}
