import COpenBLAS

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

/// `y = activation(x · Wᵀ + b)` for a batch of rows, on OpenBLAS (`sgemm`; `sgemv` for one row).
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
        // Start from the bias in every row, then accumulate x · Wᵀ into it (beta = 1).
        var y = [Float](repeating: 0, count: rows * outputs)
        for r in 0..<rows { y.replaceSubrange((r * outputs)..<((r + 1) * outputs), with: bias) }
        let (m, n, k) = (Int32(rows), Int32(outputs), Int32(inputs))
        if rows == 1 {
            cblas_sgemv(CblasRowMajor, CblasNoTrans, n, k, 1, weights, k, x, 1, 1, &y, 1)
        } else {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1, x, k, weights, k, 1, &y, n)
        }
        if activation != .identity {
            for i in y.indices { y[i] = activation.apply(y[i]) }
        }
        return y
    }
}

/// An error of the model layer, said plainly.
public struct ModelError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
