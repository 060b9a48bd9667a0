import Foundation
import SigilChain
import SigilCore
import SigilModels
import SigilTestSupport
import Testing

/// Registry reads on the devnet (on-chain and from a snapshot of its events), and
/// `sigil verify-model`'s verdicts and exit codes.
@Suite(.serialized) struct ModelRegistryTests {
    struct Fixture {
        let devnet: DevnetProcess
        let registry: String
        let snapshotPath: String
        let modelPath: String
        let modelHash: Hash32
        let publisher: String
        let dir: String
    }

    static func fixture() async throws -> Fixture {
        let devnet = try await DevnetProcess(seed: 9)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sigil-reg-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let modelPath = dir + "/model.safetensors"
        let bytes = try Safetensors.encode([("w", [3], [0.25, -1, 2])], metadata: ["architecture": "logistic"])
        try Data(bytes).write(to: URL(fileURLWithPath: modelPath))
        let hash = ModelHash.sha256(bytes)
        let model = ModelID.parse("sigil/test-model").description
        let other = "0x" + String(repeating: "ab", count: 32)
        let contributor = "0x" + String(repeating: "33", count: 20)
        let entries = "[[\"\(model)\",\"\(hash)\",\"file://\(modelPath)\",\"\(contributor)\"],[\"\(model)\",\"\(other)\",\"file://v2\",\"\(contributor)\"]]"
        let answer = try await devnet.drive(["publish", entries])
        let snapshotPath = dir + "/snapshot.json"
        let logs = try JSONSerialization.data(withJSONObject: ["logs": answer["logs"]!])
        try logs.write(to: URL(fileURLWithPath: snapshotPath))
        return Fixture(devnet: devnet, registry: answer["registry"] as! String, snapshotPath: snapshotPath, modelPath: modelPath,
                       modelHash: hash, publisher: answer["publisher"] as! String, dir: dir)
    }

    @Test func onChainAndSnapshotAgree() async throws {
        let f = try await Self.fixture()
        defer { try? FileManager.default.removeItem(atPath: f.dir) }
        let chain = OnChainModelRegistry(rpc: HTTPRPCClient(url: f.devnet.httpURL), address: Address(hex: f.registry)!)
        let snapshot = try ModelRegistrySnapshot(path: f.snapshotPath)
        let id = ModelID.parse("sigil/test-model")
        for source in [chain, snapshot] as [any ModelRegistrySource] {
            let v1 = try await source.entry(model: id, version: .pinned(1))
            #expect(v1.weightsHash == f.modelHash && v1.version == 1 && v1.publisher.description == f.publisher)
            #expect(v1.uri == "file://\(f.modelPath)")
            let latest = try await source.entry(model: id, version: .latest)
            #expect(latest.version == 2 && latest.uri == "file://v2")
            await #expect(throws: RegistryError.self) { try await source.entry(model: id, version: .pinned(3)) }
            await #expect(throws: RegistryError.self) { try await source.entry(model: ModelID.parse("nobody"), version: .latest) }
        }
        #expect(try await chain.entry(model: id, version: .pinned(2)) == snapshot.entry(model: id, version: .pinned(2)))
    }

    @Test func verifyModelExitCodes() async throws {
        let f = try await Self.fixture()
        defer { try? FileManager.default.removeItem(atPath: f.dir) }
        let onChain = ["--rpc", f.devnet.httpURL, "--registry", f.registry]
        let snap = ["--snapshot", f.snapshotPath]
        for source in [onChain, snap] {
            let ok = try await Peers.sigil(["verify-model", f.modelPath, "--model", "sigil/test-model", "--version", "1"] + source)
            #expect(ok.status == 0 && ok.out.hasPrefix("MATCH"), "\(ok)")
            // latest is version 2, whose hash is another file's
            let stale = try await Peers.sigil(["verify-model", f.modelPath, "--model", "sigil/test-model"] + source)
            #expect(stale.status == 1 && stale.out.hasPrefix("MISMATCH") && stale.out.contains(f.modelHash.description))
            let unknownVersion = try await Peers.sigil(["verify-model", f.modelPath, "--model", "sigil/test-model", "--version", "7"] + source)
            #expect(unknownVersion.status == 2 && unknownVersion.err.contains("versions 1…2"))
            let unregistered = try await Peers.sigil(["verify-model", f.modelPath, "--model", "sigil/nobody"] + source)
            #expect(unregistered.status == 2 && unregistered.err.contains("not registered"))
            let wrongPublisher = try await Peers.sigil(["verify-model", f.modelPath, "--model", "sigil/test-model", "--version", "1",
                                                  "--publisher", "0x" + String(repeating: "44", count: 20)] + source)
            #expect(wrongPublisher.status == 1 && wrongPublisher.out.hasPrefix("REFUSED"))
        }
        // one flipped byte, and a truncated file
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: f.modelPath)))
        bytes[bytes.count - 1] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: f.dir + "/flipped.safetensors"))
        try Data(bytes.prefix(bytes.count - 4)).write(to: URL(fileURLWithPath: f.dir + "/truncated.safetensors"))
        for bad in ["flipped", "truncated"] {
            let r = try await Peers.sigil(["verify-model", f.dir + "/\(bad).safetensors", "--model", "sigil/test-model", "--version", "1"] + snap)
            #expect(r.status == 1 && r.out.hasPrefix("MISMATCH"), "\(bad)")
        }
        let json = try await Peers.sigil(["verify-model", f.modelPath, "--model", "sigil/test-model", "--version", "1", "--json"] + snap)
        let obj = try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as! [String: Any]
        #expect(obj["verdict"] as? String == "match" && obj["actual"] as? String == f.modelHash.description)
        let missingFile = try await Peers.sigil(["verify-model", f.dir + "/nope", "--model", "sigil/test-model"] + snap)
        #expect(missingFile.status == 2)
        let unreachable = try await Peers.sigil(["verify-model", f.modelPath, "--model", "sigil/test-model", "--rpc", "http://127.0.0.1:9", "--registry", f.registry])
        #expect(unreachable.status == 2 && unreachable.err.contains("unreachable"))
    }
}
