import SigilModels
import Testing

@Suite struct DenseLayerTests {
    /// A plain triple loop: the reference the layer (its own ordered loop, the same bits on every CPU) must match.
    static func reference(_ l: DenseLayer, _ x: [Float], rows: Int, act: (Float) -> Float) -> [Float] {
        var y = [Float](repeating: 0, count: rows * l.outputs)
        for r in 0..<rows {
            for o in 0..<l.outputs {
                var s = Double(l.bias[o])
                for i in 0..<l.inputs { s += Double(x[r * l.inputs + i]) * Double(l.weights[o * l.inputs + i]) }
                y[r * l.outputs + o] = act(Float(s))
            }
        }
        return y
    }

    @Test(arguments: [(1, 7, 3), (5, 7, 3), (64, 33, 17), (3, 1, 1)])
    func theLayerMatchesAPlainTripleLoop(rows: Int, inputs: Int, outputs: Int) throws {
        var g = SystemRandomNumberGenerator()
        let w = (0..<(inputs * outputs)).map { _ in Float.random(in: -1...1, using: &g) }
        let b = (0..<outputs).map { _ in Float.random(in: -1...1, using: &g) }
        let x = (0..<(rows * inputs)).map { _ in Float.random(in: -2...2, using: &g) }
        for act in Activation.allCases {
            let layer = try DenseLayer(inputs: inputs, outputs: outputs, weights: w, bias: b, activation: act)
            let got = try layer.forward(x, rows: rows)
            let want = Self.reference(layer, x, rows: rows) { v in
                switch act {
                case .identity: v
                case .relu: max(0, v)
                case .tanh: Float(tanhf(v))
                case .sigmoid: 1 / (1 + expf(-v))
                }
            }
            for (a, e) in zip(got, want) { #expect(abs(a - e) <= 1e-5 * max(1, abs(e)), "\(act)") }
        }
    }

    @Test func batchedRowsEqualSingleRows() throws {
        let layer = try DenseLayer(inputs: 4, outputs: 2, weights: [1, 2, 3, 4, -1, -2, -3, -4], bias: [0.5, -0.5], activation: .relu)
        let x: [Float] = [1, 0, 0, 0, 0, 1, 0, 1, 2, 2, 2, 2]
        let batch = try layer.forward(x, rows: 3)
        var single: [Float] = []
        for r in 0..<3 { single += try layer.forward(Array(x[(r * 4)..<(r * 4 + 4)]), rows: 1) }
        #expect(batch == single)
        #expect(batch == [1.5, 0, 6.5, 0, 20.5, 0])
    }

    @Test func rejectsMismatchedShapes() {
        #expect(throws: ModelError.self) { try DenseLayer(inputs: 2, outputs: 2, weights: [1, 2, 3], bias: [0, 0], activation: .identity) }
        #expect(throws: ModelError.self) { try DenseLayer(inputs: 2, outputs: 2, weights: [1, 2, 3, 4], bias: [0], activation: .identity) }
        #expect(throws: ModelError.self) {
            try DenseLayer(inputs: 2, outputs: 1, weights: [1, 2], bias: [0], activation: .identity).forward([1, 2, 3], rows: 2)
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
