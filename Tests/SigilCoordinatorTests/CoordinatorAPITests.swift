import Foundation
import Logging
import ServiceLifecycle
import SigilBundle
import SigilChain
import SigilContrib
import SigilCoordinator
import SigilCore
import SigilModels
import SigilRuntime
import SigilTestSupport
import Synchronization
import Testing

final class PortBox: Sendable {
    let port = Mutex<Int?>(nil)
}

/// The coordinator's HTTP API end to end: a package made by the contributor module, submitted
/// over HTTP to a running server, and 200 concurrent submissions, each recorded once.
@Suite(.serialized) struct CoordinatorAPITests {
    static func withServer(_ body: @Sendable (CoordinatorClient, CoordinatorConfig) async throws -> Void) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sigil-api-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var cfg = CoordinatorConfig(registry: .snapshot(path: Peers.root + "/models/registry-snapshot.json"),
                                    heldOut: [Peers.root + "/data/replay/sigil-scenarios.jsonl.gz"], ledger: dir + "/ledger.sqlite")
        cfg.port = 0
        cfg.weightsDirectory = Peers.root + "/models"
        let coordinator = try CoordinatorServer.coordinator(cfg, plugins: Components.bundled.plugins)
        let box = PortBox()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let app = CoordinatorServer.application(coordinator, host: "127.0.0.1", port: 0, maxPackageBytes: cfg.maxPackageBytes, logger: logger) { port in
            box.port.withLock { $0 = port }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.run() }
            try await eventually("the coordinator listening") { box.port.withLock { $0 } != nil }
            let p = try #require(box.port.withLock { $0 })
            try await body(CoordinatorClient(baseURL: "http://127.0.0.1:\(p)", timeout: testPatience), cfg)
            group.cancelAll()
        }
    }

    @Test func aFineTunedPackageIsJudgedOverHTTPAndSeenInTheStatus() async throws {
        try await Self.withServer { client, _ in
            let key = try PrivateKey(bytes: [UInt8](repeating: 0, count: 31) + [9])
            var o = FineTuner.Options()
            o.epochs = 5
            let outcome = try await Contributor.finetune(
                .init(model: "sigil/model-signal", version: .latest, baseFile: Peers.root + "/models/model-signal-logistic.safetensors",
                      recordings: [(Peers.root + "/data/replay/sigil-scenarios.jsonl.gz", 131_277_322_940_537)], options: o),
                registry: try SigilConfig.Registry.snapshot(path: Peers.root + "/models/registry-snapshot.json").source(),
                plugins: Components.bundled.plugins, key: key)
            #expect(try outcome.package.signer() == key.address)
            let v = try await client.submit(outcome.package)
            // Fine-tuned on the data the base was trained on, it cannot beat the base held out.
            #expect(["below_epsilon", "worse_on_held_out"].contains(v.verdict), "\(v)")
            #expect(v.baseLoss != nil && v.newLoss != nil)
            let again = try await client.submit(outcome.package)
            #expect(again.verdict == "replayed_nonce")
            let rows = try await client.submissions(contributor: key.address)
            #expect(rows.count == 2)
        }
    }

    @Test func twoHundredConcurrentHTTPSubmissionsAreEachRecordedOnce() async throws {
        try await Self.withServer { client, _ in
            let base = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Peers.root + "/models/model-signal-logistic.safetensors")))
            let entry = try await SigilConfig.Registry.snapshot(path: Peers.root + "/models/registry-snapshot.json").source()
                .entry(model: ModelID.parse("sigil/model-signal"), version: .latest)
            var packages: [UpdatePackage] = []
            for i in 0..<100 {
                let key = try PrivateKey(bytes: [UInt8](repeating: 0, count: 31) + [UInt8(30 + i % 10)])
                let m = UpdateManifest(modelId: entry.modelId, baseVersion: entry.version, baseHash: entry.weightsHash,
                                       newHash: ModelHash.sha256(base), metrics: [:], dataFingerprint: ModelHash.sha256([UInt8(i)]),
                                       contributor: key.address, nonce: "h\(i)", timestamp: 1)
                let p = try UpdatePackage(manifest: m, weights: base, signedBy: key)
                packages += [p, p]
            }
            let verdicts = try await withThrowingTaskGroup(of: String.self) { group in
                for p in packages { group.addTask { (try await client.submit(p)).verdict } }
                var out: [String] = []
                for try await v in group { out.append(v) }
                return out
            }
            #expect(verdicts.count == 200)
            #expect(verdicts.filter { $0 == "replayed_nonce" }.count == 100)
            #expect(verdicts.filter { $0 == "below_epsilon" }.count == 100)
            let totals = try await client.totals()
            #expect(totals.submissions == 200 && totals.accepted == 0)
        }
    }
}
