import Foundation
import SigilCore
import SigilModels
import SigilTestSupport
import Testing

/// Seeded mutation fuzzing of model files: the safetensors header (length, JSON, offsets,
/// dtypes, shapes) and the model card in it. A value or a typed error, never a trap.
@Suite struct ModelFuzzTests {
    @Test func safetensorsHeadersAndModelCards() async throws {
        let corpus = try ["logistic", "mlp"].map {
            try [UInt8](Data(contentsOf: URL(fileURLWithPath: Peers.root + "/models/model-signal-\($0).safetensors")))
        }
        let reference = ModelReference(id: "fuzz", version: 1, weightsHash: .zero)
        let r = await Fuzz.run("safetensors", corpus: corpus, cases: Fuzz.cases(default: 30_000),
                         dictionary: ["\"F32\"", "\"I64\"", "\"shape\":[]", "\"data_offsets\":[0,99999999999]", "\"__metadata__\":{}"]) { input in
            let file = try Safetensors(bytes: input)
            for t in file.tensors { #expect(t.range.upperBound <= file.buffer.count) }
            let model = try NeuralModel(safetensors: input, reference: reference)
            let out = try model.predict([Float](repeating: 0.5, count: model.featureNames.count), rows: 1)
            #expect(out.count == 1)
            return true
        }
        #expect(r.accepted > 0 && r.refused > 0)
    }
}
