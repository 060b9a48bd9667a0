import Foundation
import SigilCore
import SigilModels
import SigilTestSupport
import Testing

@Suite struct NeuralModelTests {
    static let features = ["r1", "r4", "r16", "vol16", "ofi16", "vz", "liq16"]

    /// A model file with random weights: logistic, or an MLP 7→8→4→1.
    static func modelBytes(_ arch: String, seed: UInt64) throws -> [UInt8] {
        var g = SplitMix64(seed: seed)
        let sizes = arch == "logistic" ? [7, 1] : [7, 8, 4, 1]
        let acts = arch == "logistic" ? ["sigmoid"] : ["relu", "tanh", "sigmoid"]
        var tensors: [(name: String, shape: [Int], values: [Float])] = []
        for i in 0..<(sizes.count - 1) {
            tensors.append(("layer\(i).weight", [sizes[i + 1], sizes[i]], (0..<(sizes[i] * sizes[i + 1])).map { _ in Float.random(in: -1...1, using: &g) }))
            tensors.append(("layer\(i).bias", [sizes[i + 1]], (0..<sizes[i + 1]).map { _ in Float.random(in: -0.5...0.5, using: &g) }))
        }
        let mean = (0..<7).map { _ in Float.random(in: -0.01...0.01, using: &g) }
        let std = (0..<7).map { _ in Float.random(in: 0.001...2, using: &g) }
        return try Safetensors.encode(tensors, metadata: [
            "architecture": arch, "features": features.joined(separator: ","), "activations": acts.joined(separator: ","),
            "normalization.mean": mean.map { "\($0)" }.joined(separator: ","),
            "normalization.std": std.map { "\($0)" }.joined(separator: ","),
        ])
    }

    @Test(arguments: ["logistic", "mlp"])
    func matchesNumpyWithin1e5(arch: String) async throws {
        let bytes = try Self.modelBytes(arch, seed: 11)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sigil-\(arch)-\(UUID().uuidString).safetensors").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let model = try NeuralModel(safetensors: bytes, reference: ModelReference(id: "t", version: 1, weightsHash: ModelHash.sha256(bytes)))
        #expect(model.featureNames == Self.features && model.architecture == arch)
        let cases = try await Peers.oracle(["infer", path, "--count", "500", "--seed", "2"])
        #expect(cases.count == 500)
        let rows = cases.flatMap { ($0["features"] as! [Double]).map { Float($0) } }
        let got = try model.predict(rows, rows: cases.count)  // one batched call
        for (g, c) in zip(got, cases) {
            let want = c["output"] as! Double
            #expect(abs(Double(g) - want) <= 1e-5 * max(1, abs(want)), "\(g) vs \(want)")
        }
        let single = try model.predict(Array(rows[0..<7]), rows: 1)
        #expect(abs(single[0] - got[0]) <= 1e-6)
    }

    @Test func loadingChecksTheHashBeforeParsing() throws {
        let bytes = try Self.modelBytes("logistic", seed: 3)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sigil-v-\(UUID().uuidString).safetensors").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let entry = RegistryEntry(modelId: .zero, version: 4, weightsHash: ModelHash.sha256(bytes), uri: "file://x", publisher: .zero, contributor: .zero)
        let m = try NeuralModel.loadVerified(path: path, entry: entry, id: "sigil/x")
        #expect(m.reference.version == 4 && m.reference.id == "sigil/x")
        var wrong = entry
        wrong.weightsHash = Hash32(w0: 1, w1: 2, w2: 3, w3: 4)
        #expect(throws: ModelError.self) { try NeuralModel.loadVerified(path: path, entry: wrong, id: "sigil/x") }
    }

    @Test func rejectsBadModelCards() throws {
        let ok = try Self.modelBytes("mlp", seed: 5)
        let st = try Safetensors(bytes: ok)
        func variant(_ change: (inout [String: String]) -> Void) throws -> [UInt8] {
            var meta = st.metadata
            change(&meta)
            let tensors = try st.tensors.map { (name: $0.name, shape: $0.shape, values: try st.floats($0.name)) }
            return try Safetensors.encode(tensors, metadata: meta)
        }
        let ref = ModelReference(id: "t", version: 1, weightsHash: .zero)
        for change: (inout [String: String]) -> Void in [
            { $0["architecture"] = "transformer" }, { $0["activations"] = "relu,tanh" }, { $0["activations"] = "relu,swish,sigmoid" },
            { $0["normalization.std"] = "1,1,1,1,1,1,0" }, { $0["features"] = "a,b" }, { $0.removeValue(forKey: "normalization.mean") },
            { $0["architecture"] = "logistic" },
        ] {
            #expect(throws: ModelError.self) { try NeuralModel(safetensors: try variant(change), reference: ref) }
        }
    }
}
