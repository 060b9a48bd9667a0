import Foundation
import SigilBundle
import SigilChain
import SigilContrib
import SigilCore
import SigilModels
import SigilPluginAPI
import SigilRuntime
import SigilTestSupport
import Testing

/// The coordinator against a real ModelRegistry on the devnet and the bundled recording as its
/// held-out set. The current version is a weakened copy of the bundled model (its weights × 0.5);
/// the bundled model itself is then a real improvement.
@Suite(.serialized) struct CoordinatorTests {
    struct Fixture {
        let devnet: DevnetProcess
        let coordinator: Coordinator
        let ledger: Ledger
        let weak: [UInt8]
        let strong: [UInt8]
        let old: [UInt8]
        let current: RegistryEntry
        let oldEntry: RegistryEntry
        let heldOut: Dataset
        let dir: String
        let registry: OnChainModelRegistry
    }

    static let model = ModelID.parse("sigil/coordinated")

    static func scaled(_ bytes: [UInt8], by k: Float, nan: Bool = false) throws -> [UInt8] {
        let st = try Safetensors(bytes: bytes)
        var tensors: [(name: String, shape: [Int], values: [Float])] = []
        for t in st.tensors {
            var v = try st.floats(t.name).map { $0 * k }
            if nan, t.name == "layer0.weight" { v[0] = .nan }
            tensors.append((t.name, t.shape, v))
        }
        return try Safetensors.encode(tensors, metadata: st.metadata)
    }

    static func fixture(policy: Coordinator.Policy = .init(), publish: Bool = false, publisherKey: UInt8 = 2) async throws -> Fixture {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sigil-coord-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let strong = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Peers.root + "/models/model-signal-logistic.safetensors")))
        let weak = try scaled(strong, by: 0.5), old = try scaled(strong, by: 0.25)
        for (name, bytes) in [("old", old), ("weak", weak)] { try Data(bytes).write(to: URL(fileURLWithPath: "\(dir)/\(name).safetensors")) }
        let devnet = try await DevnetProcess(seed: 14)
        let c = "0x" + String(repeating: "44", count: 20)
        let entries = "[[\"\(model)\",\"\(ModelHash.sha256(old))\",\"file://\(dir)/old.safetensors\",\"\(c)\"],"
            + "[\"\(model)\",\"\(ModelHash.sha256(weak))\",\"file://\(dir)/weak.safetensors\",\"\(c)\"]]"
        let answer = try await devnet.drive(["publish", entries])
        let registry = OnChainModelRegistry(rpc: HTTPRPCClient(url: devnet.httpURL), address: Address(hex: answer["registry"] as! String)!)
        // The model's features come from the plugin registry, as in the coordinator.
        let features = try #require(Components.bundled.plugins.plugin(kind: "model-signal")?.modelFeatures["signal"])
        let heldOut = try Dataset.build(recordings: [(Peers.root + "/data/replay/sigil-scenarios.jsonl.gz", 131_277_322_940_537)],
                                        features: features, horizon: 8)
        let ledger = try Ledger(path: dir + "/ledger.sqlite")
        // The drive script authorises development account 2 as the registry's publisher.
        let publishing = publish
            ? (publisher: RegistryPublisher(rpc: HTTPRPCClient(url: devnet.httpURL), registry: registry.address, key: try key(publisherKey)), directory: dir + "/published")
            : nil
        let coordinator = Coordinator(registry: registry, heldOut: HeldOutSet(heldOut), policy: policy, ledger: ledger, publishing: publishing) { entry in
            [UInt8](try Data(contentsOf: URL(fileURLWithPath: String(entry.uri.dropFirst("file://".count)))))
        }
        return Fixture(devnet: devnet, coordinator: coordinator, ledger: ledger, weak: weak, strong: strong, old: old,
                       current: try await registry.entry(model: model, version: .latest), oldEntry: try await registry.entry(model: model, version: .pinned(1)),
                       heldOut: heldOut, dir: dir, registry: registry)
    }

    static func key(_ n: UInt8) throws -> PrivateKey { try PrivateKey(bytes: [UInt8](repeating: 0, count: 31) + [n]) }

    static func package(_ weights: [UInt8], base: RegistryEntry, key: PrivateKey, nonce: String = UUID().uuidString,
                        newHash: Hash32? = nil, claims: [String: String] = [:]) throws -> UpdatePackage {
        let m = UpdateManifest(modelId: model, baseVersion: base.version, baseHash: base.weightsHash, newHash: newHash ?? ModelHash.sha256(weights),
                               metrics: claims, dataFingerprint: ModelHash.sha256([1, 2, 3]), contributor: key.address, nonce: nonce, timestamp: 1)
        return try UpdatePackage(manifest: m, weights: weights, signedBy: key)
    }

    static func submit(_ f: Fixture, _ p: UpdatePackage, signature: [UInt8]? = nil) async throws -> Verdict {
        try await f.coordinator.submit(manifest: p.manifestBytes, weights: p.weights, signature: signature ?? p.signature.bytes)
    }

    @Test func everyBadSubmissionIsRefusedWithItsReasonAndAGoodOneIsRewarded() async throws {
        var policy = Coordinator.Policy()
        policy.maxPackageBytes = 64 << 10
        let f = try await Self.fixture(policy: policy)
        defer { try? FileManager.default.removeItem(atPath: f.dir) }
        let alice = try Self.key(5), mallory = try Self.key(6)

        let good = try Self.package(f.strong, base: f.current, key: alice, nonce: "n1")
        let accepted = try await Self.submit(f, good)
        #expect(accepted.reason == .accepted, "\(accepted.detail)")
        #expect((accepted.improvement ?? 0) > 0.002 && accepted.reward > 0)
        #expect(try await Self.submit(f, good).reason == .replayedNonce)

        // forged: Mallory signs a manifest naming Alice
        let forged = try Self.package(f.strong, base: f.current, key: alice, nonce: "n2")
        let malloryOwn = try PersonalMessage.sign(forged.manifestBytes, with: mallory)
        #expect(try await Self.submit(f, forged, signature: malloryOwn.bytes).reason == .badSignature)
        #expect(try await Self.submit(f, try Self.package(f.strong, base: f.oldEntry, key: alice, nonce: "n3")).reason == .staleBase)
        #expect(try await Self.submit(f, try Self.package(try Self.scaled(f.weak, by: 1, nan: true), base: f.current, key: alice, nonce: "n4")).reason == .nonFinite)
        let wrongShape = try Safetensors.encode([("layer0.weight", [1, 6], [Float](repeating: 0.1, count: 6)), ("layer0.bias", [1], [0])],
                                                metadata: try Safetensors(bytes: f.weak).metadata)
        #expect(try await Self.submit(f, try Self.package(wrongShape, base: f.current, key: alice, nonce: "n5")).reason == .architectureMismatch)
        var bigCard = try Safetensors(bytes: f.weak).metadata
        bigCard["training"] = String(repeating: "x", count: 70_000)
        let big = try Safetensors.encode(try Safetensors(bytes: f.weak).tensors.map { ($0.name, $0.shape, try Safetensors(bytes: f.weak).floats($0.name)) },
                                         metadata: bigCard)
        #expect(try await Self.submit(f, try Self.package(big, base: f.current, key: alice, nonce: "n6")).reason == .oversize)
        #expect(try await Self.submit(f, try Self.package(try Self.scaled(f.weak, by: -1), base: f.current, key: alice, nonce: "n7")).reason == .worseOnHeldOut)
        let same = try await Self.submit(f, try Self.package(f.weak, base: f.current, key: alice, nonce: "n8"))
        #expect(same.reason == .belowEpsilon && same.improvement == 0)
        #expect(try await Self.submit(f, try Self.package(f.strong, base: f.current, key: alice, nonce: "n9", newHash: ModelHash.sha256(f.weak))).reason == .hashMismatch)

        // Poisoned: fine-tuned on flipped labels, it is better on the contributor's own data
        // (its manifest says so) and worse on the held-out set.
        let weakModel = try NeuralModel(safetensors: f.weak, reference: ModelReference(id: "w", version: 2, weightsHash: ModelHash.sha256(f.weak)))
        var o = FineTuner.Options()
        o.epochs = 4
        o.learningRate = 0.002
        let poisonedData = f.heldOut.labels.map { 1 - $0 }
        let poisoned = try FineTuner.fineTune(base: weakModel, card: try Safetensors(bytes: f.weak).metadata, features: f.heldOut.features,
                                              labels: poisonedData, options: o, note: "poisoned")
        #expect(poisoned.validationLoss < poisoned.baseValidationLoss, "the poisoned update must look better on its own data")
        let claims = ["validationLoss": "\(poisoned.validationLoss)", "baseValidationLoss": "\(poisoned.baseValidationLoss)"]
        let p = try await Self.submit(f, try Self.package(poisoned.weights, base: f.current, key: alice, nonce: "n10", claims: claims))
        #expect(p.reason == .worseOnHeldOut, "\(p.reason): \(p.detail)")

        let totals = try f.ledger.totals()
        #expect(totals.submissions == 11 && totals.accepted == 1 && abs(totals.rewards - accepted.reward) < 1e-9)
        #expect(try f.ledger.entries(contributor: alice.address).count == 10)  // the oversize one is refused unread
    }

    @Test func anAcceptedUpdateIsPublishedOnChainNamingItsContributor() async throws {
        let f = try await Self.fixture(publish: true)
        defer { try? FileManager.default.removeItem(atPath: f.dir) }
        let alice = try Self.key(7)
        let v = try await Self.submit(f, try Self.package(f.strong, base: f.current, key: alice, nonce: "p1"))
        #expect(v.accepted && v.publishedVersion == 3 && v.transactionHash != nil, "\(v.reason): \(v.detail)")
        let registry = f.registry
        let latest = try await registry.entry(model: Self.model, version: .latest)
        #expect(latest.version == 3 && latest.weightsHash == ModelHash.sha256(f.strong) && latest.contributor == alice.address)
        #expect(latest.publisher == (try Self.key(2)).address)
        // The published file verifies against the registry, as a bot would check it.
        let path = String(latest.uri.dropFirst("file://".count))
        #expect(try ModelVerification.check(file: path, against: latest).isMatch)
        // The current version moved: the same weights again are no improvement, an update on the old base is stale.
        let again = try await Self.submit(f, try Self.package(f.strong, base: latest, key: alice, nonce: "p2"))
        #expect(again.reason == .belowEpsilon)
        #expect(try await Self.submit(f, try Self.package(f.strong, base: f.current, key: alice, nonce: "p3")).reason == .staleBase)
        let rows = try f.ledger.entries(contributor: alice.address)
        #expect(rows.first { $0.verdict == "accepted" }?.publishedVersion == 3)
    }

    @Test func aFailedPublishIsRecordedAndPaysNothing() async throws {
        // Account 4 is not an authorised publisher: the registry reverts the transaction.
        let f = try await Self.fixture(publish: true, publisherKey: 4)
        defer { try? FileManager.default.removeItem(atPath: f.dir) }
        let v = try await Self.submit(f, try Self.package(f.strong, base: f.current, key: try Self.key(7), nonce: "q1"))
        #expect(v.reason == .publishFailed && v.reward == 0 && v.publishedVersion == nil, "\(v.reason): \(v.detail)")
        #expect(v.detail.contains("the contract refused: not publisher"), "\(v.detail)")
        #expect(try await f.registry.entry(model: Self.model, version: .latest).version == 2)
        let totals = try f.ledger.totals()
        #expect(totals.submissions == 1 && totals.accepted == 0 && totals.rewards == 0)
    }

    @Test func twoHundredConcurrentSubmissionsAreEachRecordedOnce() async throws {
        let f = try await Self.fixture()
        defer { try? FileManager.default.removeItem(atPath: f.dir) }
        let keys = try (1...10).map { try Self.key(UInt8(20 + $0)) }
        // 100 distinct (contributor, nonce) pairs, each sent twice at once; every third an improvement.
        var packages: [UpdatePackage] = []
        for i in 0..<100 {
            let weights = i % 3 == 0 ? f.strong : f.weak
            let p = try Self.package(weights, base: f.current, key: keys[i % keys.count], nonce: "c\(i)")
            packages += [p, p]
        }
        let coordinator = f.coordinator
        let verdicts = try await withThrowingTaskGroup(of: Verdict.self) { group in
            for p in packages {
                group.addTask { try await coordinator.submit(manifest: p.manifestBytes, weights: p.weights, signature: p.signature.bytes) }
            }
            var out: [Verdict] = []
            for try await v in group { out.append(v) }
            return out
        }
        #expect(verdicts.count == 200)
        #expect(Set(verdicts.map(\.id)).count == 200)
        #expect(verdicts.filter { $0.reason == .replayedNonce }.count == 100)
        let accepted = verdicts.filter(\.accepted)
        #expect(accepted.count == 34)
        let totals = try f.ledger.totals()
        #expect(totals.submissions == 200 && totals.accepted == 34)
        #expect(abs(totals.rewards - accepted.map(\.reward).reduce(0, +)) < 1e-6)
    }
}
