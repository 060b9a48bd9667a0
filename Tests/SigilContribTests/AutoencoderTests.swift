import Foundation
import SigilContrib
import SigilCore
import SigilModels
import Testing

/// The autoencoder `anomaly-model` uses: trained by `Trainer`, read by `NeuralModel`, scoring
/// rows unlike its training data far above those like it.
@Suite struct AutoencoderTests {
    /// Rows on a plane in 5 dimensions (x, y, x + y, x − y, 2x) with a little noise.
    static func plane(_ rows: Int, seed: UInt64) -> Dataset {
        var rng = SplitMix64(seed: seed)
        var f: [Float] = []
        for _ in 0..<rows {
            let x = rng.unit() * 2 - 1, y = rng.unit() * 2 - 1
            f += [x, y, x + y, x - y, 2 * x].map { Float($0 + (rng.unit() - 0.5) * 0.02) }
        }
        return Dataset(featureNames: ["a", "b", "c", "d", "e"], features: f, labels: Array(repeating: 0, count: rows))
    }

    /// Trained off the cooperative threads (seconds of training would stall every other
    /// suite's tasks); checked here, in the test's own task.
    @Test func learnsThePlaneAndScoresRowsOffItHigh() async throws {
        var o = Trainer.Options()
        o.architecture = .autoencoder
        o.hidden = 2
        o.epochs = 1_500
        let options = o
        let (bytes, report, again) = try await OffPool.run {
            let (bytes, report) = try Trainer.train(Self.plane(600, seed: 3), options)
            return (bytes, report, try Trainer.train(Self.plane(600, seed: 3), options).model)
        }
        #expect(report.validationLoss < 0.05, "a plane is reconstructed through two units: \(report.validationLoss)")
        #expect(report.validationScoreP99 <= report.validationScoreMax && report.validationScoreMax < 1)
        let model = try NeuralModel(safetensors: bytes, reference: ModelReference(id: "t", version: 1, weightsHash: ModelHash.sha256(bytes)))
        #expect(model.architecture == "autoencoder" && model.layers.last?.outputs == 5)
        let onPlane = try model.predict([0.3, -0.2, 0.1, 0.5, 0.6], rows: 1)[0]
        let offPlane = try model.predict([0.3, -0.2, 0.9, -0.7, -0.6], rows: 1)[0]
        #expect(onPlane < Float(report.validationScoreMax) * 2, "\(onPlane)")
        #expect(offPlane > 10 * Float(report.validationScoreMax), "\(offPlane) vs \(report.validationScoreMax)")
        #expect(again == bytes, "deterministic: the same data, options and seed write the same bytes")
    }

    @Test func aCardThatIsNotAnAutoencoderIsRefused() throws {
        var o = Trainer.Options()
        o.architecture = .mlp
        o.epochs = 5
        let (mlp, _) = try Trainer.train(Self.plane(100, seed: 1), o)
        let st = try Safetensors(bytes: mlp)
        var meta = st.metadata
        meta["architecture"] = "autoencoder"
        let tensors = try ["layer0.weight", "layer0.bias", "layer1.weight", "layer1.bias"].map { name in
            let t = try #require(st.tensor(named: name))
            return (name: name, shape: t.shape, values: try st.floats(name))
        }
        let relabelled = try Safetensors.encode(tensors, metadata: meta)
        #expect(throws: ModelError.self) {
            try NeuralModel(safetensors: relabelled, reference: ModelReference(id: "t", version: 1, weightsHash: .zero))
        }
    }
}
