import Foundation
import SigilBundle
import SigilChain
import SigilContrib
import SigilCoordinator
import SigilCore
import SigilModels
import SigilRuntime
import SigilTestSupport
import Testing

/// Seeded mutation fuzzing of coordinator requests: the body and media type of a submission,
/// parsed, and every twentieth one that parses decided and recorded by a real coordinator.
@Suite struct CoordinatorFuzzTests {
    @Test func submissionRequests() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sigil-fuzz-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var cfg = CoordinatorConfig(registry: .snapshot(path: Peers.root + "/models/registry-snapshot.json"),
                                    heldOut: [Peers.root + "/data/replay/sigil-scenarios.jsonl.gz"], ledger: dir + "/ledger.sqlite")
        cfg.weightsDirectory = Peers.root + "/models"
        let coordinator = try CoordinatorServer.coordinator(cfg, plugins: Components.bundled.plugins)
        let key = try PrivateKey(bytes: [UInt8](repeating: 0, count: 31) + [6])
        let weights = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Peers.root + "/models/model-signal-logistic.safetensors")))
        let m = UpdateManifest(modelId: ModelID.parse("sigil/model-signal"), baseVersion: 1, baseHash: ModelHash.sha256(weights),
                               newHash: ModelHash.sha256(weights), metrics: ["trainRows": "1"], dataFingerprint: .zero,
                               contributor: key.address, nonce: "fuzz", timestamp: 1)
        let sig = try PersonalMessage.sign(m.canonicalBytes, with: key).bytes
        let body = try JSONSerialization.data(withJSONObject: [
            "manifest": Data(m.canonicalBytes).base64EncodedString(), "weights": Data(weights).base64EncodedString(),
            "signature": Hex.encode(sig),
        ], options: [.sortedKeys])
        var parsed = 0, decided = 0
        let types = ["application/json", "application/json; charset=utf-8", "text/plain", "", "APPLICATION/JSON"]
        let r = await Fuzz.run("coordinator requests", corpus: [[UInt8](body)], cases: Fuzz.cases(default: 20_000)) { input in
            let type = types[input.count % types.count]
            switch SubmissionRequest.parse(body: input, contentType: type) {
            case .failure(let refusal):
                #expect([400, 415].contains(refusal.status))
                throw refusal
            case .success(let request):
                parsed += 1
                guard parsed % 20 == 1 else { return true }
                decided += 1
                return try await coordinator.submit(manifest: request.manifest, weights: request.weights, signature: request.signature).accepted
            }
        }
        #expect(r.accepted + r.refused == r.cases && parsed > 0 && decided > 0)
        #expect(try coordinator.ledger.totals().submissions == decided)
    }
}
