import Foundation
public import SigilChain
public import SigilCore
public import SigilModels
public import SigilPluginAPI

/// The contributor's side: fine-tune a verified base model on local recordings and package the
/// result, signed.
public enum Contributor {
    public struct Finetune: Sendable {
        /// The model's name or 0x id, as in strategies.yaml.
        public var model: String
        public var version: ModelVersionSelector
        /// The base weights; nil: the registry entry's uri when it is a local file.
        public var baseFile: String?
        public var recordings: [(path: String, chainId: UInt64)]
        public var horizon: Int
        public var options: FineTuner.Options

        public init(model: String, version: ModelVersionSelector, baseFile: String?, recordings: [(path: String, chainId: UInt64)],
                    horizon: Int = 8, options: FineTuner.Options) {
            self.model = model
            self.version = version
            self.baseFile = baseFile
            self.recordings = recordings
            self.horizon = horizon
            self.options = options
        }
    }

    public struct Outcome: Sendable {
        public var package: UpdatePackage
        public var result: FineTuner.Result
        public var base: RegistryEntry
        public var rows: Int
    }

    /// Verifies the base against the registry (hash before parse, as the bot does), builds the
    /// dataset with the feature code of the plugin whose model it is, fine-tunes, and signs the package with `key`.
    public static func finetune(_ r: Finetune, registry: any ModelRegistrySource, plugins: PluginRegistry, allowedPublishers: Set<Address>? = nil,
                                key: PrivateKey, progress: (FineTuner.Progress) -> Void = { _ in }) async throws -> Outcome {
        let id = ModelID.parse(r.model)
        let entry = try await registry.entry(model: id, version: r.version)
        if let allowed = allowedPublishers, !allowed.contains(entry.publisher) {
            throw ContribError("version \(entry.version) of \(r.model) was published by \(entry.publisher), not an allowed publisher")
        }
        guard let path = r.baseFile ?? localPath(entry.uri) else {
            throw ContribError("the registry's uri \(entry.uri) is not a local file: give the base weights with --base FILE")
        }
        let base = try NeuralModel.loadVerified(path: path, entry: entry, id: r.model)
        let card = try Safetensors(bytes: try InputFile.bytes(path, what: "base weights", limit: ModelHash.maxModelBytes)).metadata
        guard let features = plugins.features(named: base.featureNames) else {
            throw ContribError("the base model reads features \(base.featureNames), which no registered plugin computes; plugins declare: "
                               + plugins.featureSets.map { "\($0.plugin) (\($0.role)): \($0.features.names)" }.joined(separator: "; "))
        }
        let data = try Dataset.build(recordings: r.recordings, features: features, horizon: r.horizon)
        let result = try FineTuner.fineTune(base: base, card: card, features: data.features, labels: data.labels, options: r.options,
                                            note: "sigil contribute finetune: base \(entry.weightsHash) version \(entry.version), \(data.rows) rows",
                                            progress: progress)
        var nonce = [UInt8](repeating: 0, count: 16)
        var rng = SystemRandomNumberGenerator()
        for i in nonce.indices { nonce[i] = rng.next() }
        let manifest = UpdateManifest(
            modelId: id, baseVersion: entry.version, baseHash: entry.weightsHash, newHash: ModelHash.sha256(result.weights),
            metrics: ["rows": "\(data.rows)", "trainRows": "\(result.trainRows)", "validationRows": "\(result.validationRows)",
                      "baseValidationLoss": String(format: "%.6f", result.baseValidationLoss),
                      "validationLoss": String(format: "%.6f", result.validationLoss),
                      "validationAccuracy": String(format: "%.4f", result.validationAccuracy),
                      "bestEpoch": "\(result.bestEpoch)", "epochs": "\(result.epochsRun)"],
            dataFingerprint: fingerprint(data), contributor: key.address, nonce: Hex.encode(nonce, prefix: false),
            timestamp: UInt64(Date().timeIntervalSince1970))
        return Outcome(package: try UpdatePackage(manifest: manifest, weights: result.weights, signedBy: key), result: result,
                       base: entry, rows: data.rows)
    }

    /// SHA-256 over the dataset's rows (features then labels, float32 little-endian): the same
    /// data gives the same fingerprint, whatever the files were called.
    public static func fingerprint(_ d: Dataset) -> Hash32 {
        var bytes: [UInt8] = []
        bytes.reserveCapacity((d.features.count + d.labels.count) * 4)
        for v in d.features + d.labels { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
        return ModelHash.sha256(bytes)
    }

    /// A registry uri naming a local file (`file://…` or an absolute path).
    static func localPath(_ uri: String) -> String? {
        if uri.hasPrefix("file://") { return String(uri.dropFirst("file://".count)) }
        if uri.hasPrefix("/") { return uri }
        return nil
    }
}
