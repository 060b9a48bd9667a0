import Foundation
import SigilChain
public import SigilCore
import SigilModels

/// Files and peers several suites set up the same way.
public enum Fixtures {
    /// A fresh temporary directory.
    public static func tempDir(_ prefix: String) throws -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    /// Frames and log frames of the bundled recording, from its manifest.
    public static func manifestCounts() throws -> (frames: Int, logs: Int) {
        let data = try Data(contentsOf: URL(fileURLWithPath: Peers.root + "/data/replay/manifest.json"))
        guard let obj = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let file = (obj["files"] as? [String: Any])?["sigil-scenarios.jsonl.gz"] as? [String: Any],
              let frames = file["frames"] as? NSNumber, let logs = (file["byKind"] as? [String: Any])?["log"] as? NSNumber
        else { throw Peers.Failure(description: "the bundled manifest has no frame counts") }
        return (frames.intValue, logs.intValue)
    }

    /// `examples/signal-and-rug-guard.yaml` (the bundled recording, `model-signal` and
    /// `rug-pull-guard`) in a temporary directory, its paths made absolute.
    public static func bundledConfig() throws -> (path: String, dir: String) {
        let dir = try tempDir("sigil-run")
        let yaml = try String(contentsOfFile: Peers.root + "/examples/signal-and-rug-guard.yaml", encoding: .utf8)
            .replacingOccurrences(of: "path: ../data/replay/", with: "path: \(Peers.root)/data/replay/")
            .replacingOccurrences(of: "snapshot: ../models/", with: "snapshot: \(Peers.root)/models/")
            .replacingOccurrences(of: "file: ../models/", with: "file: \(Peers.root)/models/")
            .replacingOccurrences(of: ": ../out/", with: ": out/")
        try yaml.write(toFile: dir + "/strategies.yaml", atomically: true, encoding: .utf8)
        return (dir + "/strategies.yaml", dir)
    }
}

/// A model registry on a devnet holding two versions of `sigil/test-model` (version 1 is the
/// fixture's model file, version 2 another hash), and a snapshot of its events.
public struct RegistryFixture {
    public let devnet: DevnetProcess
    public let registry: String
    public let snapshotPath: String
    public let modelPath: String
    public let modelHash: Hash32
    public let publisher: String
    public let dir: String

    public init() async throws {
        devnet = try await DevnetProcess(seed: 9)
        dir = try Fixtures.tempDir("sigil-reg")
        modelPath = dir + "/model.safetensors"
        let bytes = try Safetensors.encode([("w", [3], [0.25, -1, 2])], metadata: ["architecture": "logistic"])
        try Data(bytes).write(to: URL(fileURLWithPath: modelPath))
        modelHash = ModelHash.sha256(bytes)
        let model = ModelID.parse("sigil/test-model").description
        let other = "0x" + String(repeating: "ab", count: 32)
        let contributor = "0x" + String(repeating: "33", count: 20)
        let entries = "[[\"\(model)\",\"\(modelHash)\",\"file://\(modelPath)\",\"\(contributor)\"],[\"\(model)\",\"\(other)\",\"file://v2\",\"\(contributor)\"]]"
        let answer = try await devnet.drive(["publish", entries])
        snapshotPath = dir + "/snapshot.json"
        let logs = try JSONSerialization.data(withJSONObject: ["logs": answer["logs"]!])
        try logs.write(to: URL(fileURLWithPath: snapshotPath))
        guard let registry = answer["registry"] as? String, let publisher = answer["publisher"] as? String else {
            throw Peers.Failure(description: "the driver did not name the registry and publisher: \(answer)")
        }
        self.registry = registry
        self.publisher = publisher
    }
}
