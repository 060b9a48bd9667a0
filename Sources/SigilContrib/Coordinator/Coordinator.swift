import Foundation
public import SigilChain
public import SigilCore
public import SigilModels

/// Scores submitted updates on a private held-out set and decides, recording every decision in
/// the ledger exactly once.
///
/// Checks, each refusing with its own reason: size; canonical manifest; the signature recovers
/// the claimed contributor; the nonce is new for that contributor; the base is the registry's
/// current version; the weights hash to `newHash`; the file parses; architecture, model card and
/// every tensor shape equal the base's; every weight finite; the relative L2 distance from the
/// base within the bound. Then both the current version and the update are scored (binary
/// cross-entropy on the held-out rows) and the update is accepted only if it improves the loss
/// by more than `epsilon`, relative: the rule Bittensor's subnets use so that copies and noise
/// earn nothing. Reward = `rewardPerUpdate` × improvement / epsilon.
public actor Coordinator {
    public struct Policy: Sendable {
        /// Minimum relative improvement of the held-out loss.
        public var epsilon = 0.002
        public var rewardPerUpdate = 100.0
        public var maxPackageBytes = 4 << 20
        /// Largest ‖new − base‖ / ‖base‖ over all weights.
        public var maxRelativeDistance = 2.0
        public init() {}
    }

    let registry: any ModelRegistrySource
    let heldOut: HeldOutSet
    let policy: Policy
    nonisolated public let ledger: Ledger
    /// The current version's weights for an entry (verified here before use).
    let weightsOf: @Sendable (RegistryEntry) throws -> [UInt8]
    /// Publishes accepted updates on-chain: their weights are written to `directory` and
    /// published with a `file://` uri naming the contributor.
    let publishing: (publisher: RegistryPublisher, directory: String)?

    public init(registry: any ModelRegistrySource, heldOut: HeldOutSet, policy: Policy, ledger: Ledger,
                publishing: (publisher: RegistryPublisher, directory: String)? = nil,
                weightsOf: @escaping @Sendable (RegistryEntry) throws -> [UInt8]) {
        self.publishing = publishing
        self.registry = registry
        self.heldOut = heldOut
        self.policy = policy
        self.ledger = ledger
        self.weightsOf = weightsOf
    }

    var busy = false
    var waiting: [CheckedContinuation<Void, Never>] = []
    /// Held-out losses by weights hash (the file fixes the features, the held-out set does not
    /// change while the coordinator runs): the current version is scored once, not again for every
    /// submission against it, nor is a resubmitted file. At most `lossCacheLimit`, cleared when full.
    var losses: [Hash32: Double] = [:]
    static let lossCacheLimit = 256

    /// One decision at a time: the actor would otherwise interleave submissions at every
    /// suspension (a registry read, a publish), scoring one against a version another replaces.
    func acquire() async {
        guard busy else {
            busy = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
    }

    /// Decides one submission and records it.
    public func submit(manifest: [UInt8], weights: [UInt8], signature: [UInt8]) async throws -> Verdict {
        await acquire()
        defer { release() }
        var v = Verdict(id: 0, reason: .accepted, detail: "", reward: 0)
        func refuse(_ r: Verdict.Reason, _ detail: String, claimed: Int64? = nil, newHash: Hash32? = nil) async throws -> Verdict {
            v.reason = r
            v.detail = detail
            v.id = try await ledger.record(v, claimed: claimed, newHash: newHash)
            return v
        }
        let size = manifest.count + weights.count + signature.count
        guard size <= policy.maxPackageBytes else { return try await refuse(.oversize, "\(size) bytes, limit \(policy.maxPackageBytes)") }
        let m: UpdateManifest
        do { m = try UpdateManifest(canonical: manifest) } catch { return try await refuse(.malformedManifest, error.description) }
        v.contributor = m.contributor
        v.nonce = m.nonce
        v.modelId = m.modelId
        v.baseVersion = m.baseVersion
        let signer: Address
        do {
            signer = try PersonalMessage.signer(of: manifest, signature: try RecoverableSignature(bytes: signature))
        } catch {
            return try await refuse(.badSignature, "the signature does not parse or recover: \(error)")
        }
        guard signer == m.contributor else {
            return try await refuse(.badSignature, "the signature recovers \(signer), the manifest names \(m.contributor)")
        }
        guard let claimed = try await ledger.claim(contributor: m.contributor, nonce: m.nonce) else {
            return try await refuse(.replayedNonce, "nonce \(m.nonce) of \(m.contributor) was used before")
        }
        let current: RegistryEntry
        do { current = try await registry.entry(model: m.modelId, version: .latest) } catch {
            return try await refuse(.staleBase, "the registry has no version of \(m.modelId): \(error)", claimed: claimed)
        }
        guard current.version == m.baseVersion, current.weightsHash == m.baseHash else {
            return try await refuse(.staleBase, "the base is version \(m.baseVersion) (\(m.baseHash)); the current version is \(current.version) (\(current.weightsHash))",
                              claimed: claimed)
        }
        let hash = ModelHash.sha256(weights)
        guard hash == m.newHash else { return try await refuse(.hashMismatch, "the weights hash to \(hash), the manifest says \(m.newHash)", claimed: claimed, newHash: hash) }
        let baseBytes = try weightsOf(current)
        guard ModelHash.sha256(baseBytes) == current.weightsHash else { throw ContribError("the coordinator's copy of version \(current.version) does not match the registry") }
        let base = try NeuralModel(safetensors: baseBytes, reference: ModelReference(id: "\(m.modelId)", version: current.version, weightsHash: current.weightsHash))
        let baseFile = try Safetensors(bytes: baseBytes)
        let updateFile: Safetensors
        do { updateFile = try Safetensors(bytes: weights) } catch {
            return try await refuse(.malformedWeights, error.description, claimed: claimed, newHash: hash)
        }
        for key in ["architecture", "features", "activations", "normalization.mean", "normalization.std"]
        where baseFile.metadata[key] != updateFile.metadata[key] {
            return try await refuse(.architectureMismatch, "model card \(key) differs from the base's", claimed: claimed, newHash: hash)
        }
        let baseShapes = baseFile.tensors.map { "\($0.name)\($0.shape)" }.sorted(), newShapes = updateFile.tensors.map { "\($0.name)\($0.shape)" }.sorted()
        guard baseShapes == newShapes else {
            return try await refuse(.architectureMismatch, "tensors \(newShapes) differ from the base's \(baseShapes)", claimed: claimed, newHash: hash)
        }
        let update: NeuralModel
        do {
            update = try NeuralModel(safetensors: weights, reference: ModelReference(id: "\(m.modelId)", version: current.version + 1, weightsHash: hash))
        } catch {
            return try await refuse(.malformedWeights, error.description, claimed: claimed, newHash: hash)
        }
        var distance = 0.0, norm = 0.0
        for (b, u) in zip(base.layers, update.layers) {
            for (x, y) in zip(b.weights + b.bias, u.weights + u.bias) {
                guard y.isFinite else { return try await refuse(.nonFinite, "a weight of the update is \(y)", claimed: claimed, newHash: hash) }
                distance += Double(y - x) * Double(y - x)
                norm += Double(x) * Double(x)
            }
        }
        let relative = distance.squareRoot() / max(norm.squareRoot(), 1e-12)
        guard relative <= policy.maxRelativeDistance else {
            return try await refuse(.tooFarFromBase, String(format: "relative distance %.3f, bound %.3f", relative, policy.maxRelativeDistance),
                              claimed: claimed, newHash: hash)
        }
        let (heldOut, names) = (heldOut, base.featureNames)
        let data = try await OffPool.run { try heldOut.dataset(for: names) }
        let baseLoss = try await heldOutLoss(base, weightsHash: current.weightsHash, data)
        let newLoss = try await heldOutLoss(update, weightsHash: hash, data)
        v.baseLoss = baseLoss
        v.newLoss = newLoss
        v.improvement = (baseLoss - newLoss) / baseLoss
        let improvement = v.improvement!
        if improvement < 0 {
            return try await refuse(.worseOnHeldOut, String(format: "held-out loss %.5f, the current version's %.5f", newLoss, baseLoss), claimed: claimed, newHash: hash)
        }
        if improvement <= policy.epsilon {
            return try await refuse(.belowEpsilon, String(format: "improvement %.4f%% is not more than epsilon %.4f%%", 100 * improvement, 100 * policy.epsilon),
                              claimed: claimed, newHash: hash)
        }
        v.reward = policy.rewardPerUpdate * improvement / policy.epsilon
        v.detail = String(format: "held-out loss %.5f → %.5f (%.3f%% better)", baseLoss, newLoss, 100 * improvement)
        if let (publisher, directory) = publishing {
            let path = "\(directory)/\(m.modelId)-\(hash).safetensors"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try Data(weights).write(to: URL(fileURLWithPath: path))
            do {
                let published = try await publisher.publish(model: m.modelId, weightsHash: hash, uri: "file://" + path, contributor: m.contributor)
                v.publishedVersion = published.entry.version
                v.transactionHash = published.transactionHash
                v.detail += "; published as version \(published.entry.version)"
            } catch {
                // Recorded, not thrown: the ledger says what happened to every submission.
                v.reward = 0
                return try await refuse(.publishFailed, v.detail + "; publishing failed: \(error)", claimed: claimed, newHash: hash)
            }
        }
        v.id = try await ledger.record(v, claimed: claimed, newHash: hash)
        return v
    }

    /// The held-out loss of the model whose file hashes to `weightsHash`, computed once.
    func heldOutLoss(_ model: NeuralModel, weightsHash: Hash32, _ data: Dataset) async throws -> Double {
        if let known = losses[weightsHash] { return known }
        // Scoring is long CPU work: off the cooperative pool, so the server keeps answering.
        let loss = try await OffPool.run { try Self.loss(model, data) }
        if losses.count >= Self.lossCacheLimit { losses.removeAll(keepingCapacity: true) }
        losses[weightsHash] = loss
        return loss
    }

    /// Mean binary cross-entropy of `model` on `data`.
    public static func loss(_ model: NeuralModel, _ data: Dataset) throws -> Double {
        let p = try model.predict(data.features, rows: data.rows)
        var l = 0.0
        for i in 0..<data.rows {
            let q = min(max(Double(p[i]), 1e-7), 1 - 1e-7), y = Double(data.labels[i])
            l -= y * log(q) + (1 - y) * log(1 - q)
        }
        return l / Double(max(data.rows, 1))
    }
}
