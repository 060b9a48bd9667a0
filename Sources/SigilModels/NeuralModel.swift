import Foundation
public import SigilCore
public import SigilPluginAPI

/// A feed-forward model read from safetensors: logistic regression (one layer, sigmoid), an
/// MLP (several dense layers with their activations), or an autoencoder (its last layer as wide
/// as its input; its output per row is the mean squared error of reconstructing the
/// standardised row: an anomaly score). The model card lives in `__metadata__`:
///
/// - `architecture`: `logistic`, `mlp` or `autoencoder`
/// - `features`: feature names in order, comma-separated
/// - `activations`: one per layer, comma-separated (`relu`, `tanh`, `sigmoid`, `identity`)
/// - `normalization.mean`, `normalization.std`: per-feature, comma-separated; inputs are
///   standardised with them before the first layer
///
/// Tensors are `layer{i}.weight` (`out × in`, F32) and `layer{i}.bias` (`out`).
public struct NeuralModel: PredictiveModel {
    public let reference: ModelReference
    public let architecture: String
    public let featureNames: [String]
    public let layers: [DenseLayer]
    public let mean: [Float]
    public let std: [Float]

    /// Parses a model from safetensors bytes that were already verified against `reference`.
    public init(safetensors bytes: [UInt8], reference: ModelReference) throws(ModelError) {
        let st = try Safetensors(bytes: bytes)
        let meta = st.metadata
        guard let arch = meta["architecture"], ["logistic", "mlp", "autoencoder"].contains(arch) else {
            throw ModelError("model card: architecture must be logistic, mlp or autoencoder, not \(meta["architecture"] ?? "missing")")
        }
        guard let features = meta["features"]?.split(separator: ",").map(String.init), !features.isEmpty else {
            throw ModelError("model card: no features")
        }
        let activations = try (meta["activations"] ?? "").split(separator: ",").map { (a) throws(ModelError) -> Activation in
            guard let act = Activation(rawValue: String(a)) else { throw ModelError("model card: unknown activation \(a)") }
            return act
        }
        var layers: [DenseLayer] = []
        var inputs = features.count
        while let w = st.tensor(named: "layer\(layers.count).weight") {
            let i = layers.count
            guard w.shape.count == 2, w.shape[1] == inputs else {
                throw ModelError("layer\(i).weight has shape \(w.shape); [outputs, \(inputs)] expected")
            }
            guard i < activations.count else { throw ModelError("model card: no activation for layer \(i)") }
            layers.append(try DenseLayer(inputs: inputs, outputs: w.shape[0], weights: try st.floats(w.name),
                                         bias: try st.floats("layer\(i).bias"), activation: activations[i]))
            inputs = w.shape[0]
        }
        guard !layers.isEmpty else { throw ModelError("no layer0.weight tensor") }
        guard layers.count == activations.count else { throw ModelError("model card names \(activations.count) activations for \(layers.count) layers") }
        guard arch != "logistic" || layers.count == 1 else { throw ModelError("a logistic model has exactly one layer") }
        if arch == "autoencoder" {
            guard layers.last!.outputs == features.count else {
                throw ModelError("an autoencoder's last layer must have one output per feature (\(features.count))")
            }
        } else {
            guard layers.last!.outputs == 1 else { throw ModelError("the last layer must have one output") }
        }
        func floats(_ key: String) throws(ModelError) -> [Float] {
            guard let text = meta[key] else { throw ModelError("model card: no \(key)") }
            let v = text.split(separator: ",").compactMap { Float(String($0)) }
            guard v.count == features.count, v.allSatisfy(\.isFinite) else { throw ModelError("model card: \(key) needs \(features.count) finite numbers") }
            return v
        }
        mean = try floats("normalization.mean")
        std = try floats("normalization.std")
        guard std.allSatisfy({ $0 > 0 }) else { throw ModelError("model card: normalization.std must be positive") }
        self.reference = reference
        self.architecture = arch
        self.featureNames = features
        self.layers = layers
    }

    public func predict(_ features: [Float], rows: Int) throws -> [Float] {
        let n = featureNames.count
        guard features.count == rows * n else { throw ModelError("\(features.count) values for \(rows) rows of \(n) features") }
        var x = features
        for r in 0..<rows {
            for j in 0..<n { x[r * n + j] = (x[r * n + j] - mean[j]) / std[j] }
        }
        let input = x
        for layer in layers { x = try layer.forward(x, rows: rows) }
        guard architecture == "autoencoder" else { return x }
        return (0..<rows).map { r in
            var e: Float = 0
            for j in 0..<n { let d = x[r * n + j] - input[r * n + j]; e += d * d }
            return e / Float(n)
        }
    }

    /// Streams `path` through SHA-256 first: a file that does not match `entry` is refused having
    /// held no more than one read buffer. A match is then read (at most
    /// `ModelHash.maxModelBytes`) and hashed again in memory, so the bytes parsed are exactly the
    /// bytes verified, even if the file changed in between.
    public static func loadVerified(path: String, entry: RegistryEntry, id: String) throws(ModelError) -> NeuralModel {
        let streamed = try ModelHash.sha256(fileAt: path)
        guard streamed == entry.weightsHash else {
            throw ModelError("\(path): sha256 \(streamed) is not the registered \(entry.weightsHash) of \(id) version \(entry.version)")
        }
        let bytes: [UInt8]
        do { bytes = try InputFile.bytes(path, what: "model file", limit: ModelHash.maxModelBytes) } catch { throw ModelError(error.description) }
        let hash = ModelHash.sha256(bytes)
        guard hash == entry.weightsHash else {
            throw ModelError("\(path): changed while being verified (now sha256 \(hash)); not loaded")
        }
        return try NeuralModel(safetensors: bytes, reference: ModelReference(id: id, version: entry.version, weightsHash: hash))
    }
}
