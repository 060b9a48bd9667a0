/// An activation applied element-wise after a dense layer.
public enum Activation: String, Sendable, CaseIterable {
    case identity, relu, tanh, sigmoid

    @inline(__always) func apply(_ x: Float) -> Float {
        switch self {
        case .identity: x
        case .relu: max(0, x)
        case .tanh: Float(_tanh(Double(x)))
        case .sigmoid: 1 / (1 + Float(_exp(Double(-x))))
        }
    }
}

/// `y = activation(x · Wᵀ + b)` for a batch of rows, summed in a fixed order (the same result
/// on every CPU).
public struct DenseLayer: Sendable {
    public let inputs: Int
    public let outputs: Int
    /// Row-major `outputs × inputs`.
    public let weights: [Float]
    public let bias: [Float]
    public let activation: Activation

    public init(inputs: Int, outputs: Int, weights: [Float], bias: [Float], activation: Activation) throws(ModelError) {
        guard inputs > 0, outputs > 0 else { throw ModelError("a dense layer needs positive sizes") }
        guard weights.count == inputs * outputs else {
            throw ModelError("weights hold \(weights.count) values, \(outputs)×\(inputs) needed")
        }
        guard bias.count == outputs else { throw ModelError("bias holds \(bias.count) values, \(outputs) needed") }
        self.inputs = inputs
        self.outputs = outputs
        self.weights = weights
        self.bias = bias
        self.activation = activation
    }

    /// Applies the layer to `rows` input rows stored row-major in `x` (`rows × inputs`).
    public func forward(_ x: [Float], rows: Int) throws(ModelError) -> [Float] {
        guard rows >= 0, x.count == rows * inputs else {
            throw ModelError("input holds \(x.count) values, \(rows)×\(inputs) needed")
        }
        guard rows > 0 else { return [] }
        // Each output is the bias plus x · w summed in input order, one rounding per step: the
        // same bits on every x86-64 and ARM CPU. (OpenBLAS picks kernels by CPU, and its AVX-512
        // and AVX2 kernels round differently: the same recording gave other signals on
        // another machine.) A bot's layers are a few dozen weights; the loop is as fast.
        var y = [Float](repeating: 0, count: rows * outputs)
        let (n, k) = (outputs, inputs)
        weights.withUnsafeBufferPointer { w in
            x.withUnsafeBufferPointer { xs in
                y.withUnsafeMutableBufferPointer { ys in
                    for r in 0..<rows {
                        let row = r * k
                        for j in 0..<n {
                            var sum = bias[j]
                            let wj = j * k
                            for i in 0..<k { sum += xs[row + i] * w[wj + i] }
                            ys[r * n + j] = activation.apply(sum)
                        }
                    }
                }
            }
        }
        return y
    }
}

/// An error of the model layer, said plainly.
public struct ModelError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
