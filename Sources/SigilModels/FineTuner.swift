import COpenBLAS
import Foundation
import SigilCore

/// Fine-tunes a verified model on new rows: mini-batch AdamW (decoupled weight decay) on
/// OpenBLAS (`sgemm` forward and backward), early stopping on a time-ordered validation split,
/// starting from the base weights and keeping the base's model card (architecture, features,
/// activations, normalisation) so the update is a drop-in replacement. Deterministic: the same
/// base, rows, options and seed give byte-identical weights.
public enum FineTuner {
    public struct Options: Sendable {
        public var epochs = 60
        public var batchSize = 64
        public var learningRate: Float = 0.002
        public var weightDecay: Float = 1e-4
        /// The last share of the rows (in time order) is the local validation split.
        public var validationShare = 0.25
        /// Stop after this many epochs without a better validation loss.
        public var patience = 8
        public var seed: UInt64 = 1
        public init() {}
    }

    public struct Progress: Sendable {
        public var epoch: Int
        public var epochs: Int
        public var trainLoss: Double
        public var validationLoss: Double
        public var elapsed: Duration
        /// Time left if every remaining epoch runs (early stopping may end sooner).
        public var eta: Duration
    }

    public struct Result: Sendable {
        public var weights: [UInt8]
        public var trainRows: Int
        public var validationRows: Int
        public var baseValidationLoss: Double
        public var validationLoss: Double
        public var trainLoss: Double
        public var validationAccuracy: Double
        /// 0: no epoch beat the base on the validation split, and the weights are the base's.
        public var bestEpoch: Int
        public var epochsRun: Int
    }

    /// `features` are raw (row-major, the base's feature order), `labels` 0 or 1.
    public static func fineTune(base: NeuralModel, card: [String: String], features: [Float], labels: [Float], options o: Options,
                                note: String, progress: (Progress) -> Void = { _ in }) throws(ModelError) -> Result {
        let n = base.featureNames.count
        let rows = labels.count
        guard features.count == rows * n else { throw ModelError("\(features.count) feature values for \(rows) rows of \(n)") }
        guard rows >= 20 else { throw ModelError("only \(rows) labelled rows: too few to fine-tune") }
        guard base.layers.last?.activation == .sigmoid else { throw ModelError("the base's last layer must be a sigmoid (a probability)") }
        let split = Int(Double(rows) * (1 - o.validationShare))
        guard split > 0, split < rows else { throw ModelError("the validation share leaves no training or no validation rows") }
        var x = features
        for r in 0..<rows { for j in 0..<n { x[r * n + j] = (x[r * n + j] - base.mean[j]) / base.std[j] } }

        var w = base.layers.map(\.weights), b = base.layers.map(\.bias)
        let acts = base.layers.map(\.activation)
        let sizes = [n] + base.layers.map(\.outputs)
        var (mw, vw) = (w.map { $0.map { _ in Float(0) } }, w.map { $0.map { _ in Float(0) } })
        var (mb, vb) = (b.map { $0.map { _ in Float(0) } }, b.map { $0.map { _ in Float(0) } })

        let validationX = Array(x[(split * n)...]), validationY = Array(labels[split...])
        func loss(_ w: [[Float]], _ b: [[Float]], _ xs: [Float], _ ys: [Float]) -> (loss: Double, accuracy: Double) {
            let p = forward(w, b, acts, sizes, xs, rows: ys.count).last!
            var l = 0.0, right = 0
            for i in ys.indices {
                let q = min(max(Double(p[i]), 1e-7), 1 - 1e-7)
                l -= Double(ys[i]) * log(q) + (1 - Double(ys[i])) * log(1 - q)
                if (q >= 0.5) == (ys[i] >= 0.5) { right += 1 }
            }
            return (l / Double(max(ys.count, 1)), Double(right) / Double(max(ys.count, 1)))
        }
        let baseLoss = loss(w, b, validationX, validationY).loss
        var best = (w: w, b: b, loss: baseLoss, epoch: 0)
        var rng = SplitMix64(seed: o.seed)
        var order = Array(0..<split)
        var step: Float = 0
        let (b1, b2, eps): (Float, Float, Float) = (0.9, 0.999, 1e-8)
        let start = ContinuousClock.now
        var epoch = 0
        while epoch < o.epochs {
            epoch += 1
            for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
            var batchStart = 0
            var trainLoss = 0.0
            while batchStart < split {
                let idx = order[batchStart..<min(batchStart + o.batchSize, split)]
                batchStart += o.batchSize
                let m = idx.count
                var xb = [Float](), yb = [Float]()
                xb.reserveCapacity(m * n)
                for r in idx {
                    xb += x[(r * n)..<((r + 1) * n)]
                    yb.append(labels[r])
                }
                let a = forward(w, b, acts, sizes, xb, rows: m)
                var dz = [Float](repeating: 0, count: m)
                for i in 0..<m {
                    dz[i] = (a.last![i] - yb[i]) / Float(m)
                    let q = min(max(Double(a.last![i]), 1e-7), 1 - 1e-7)
                    trainLoss -= Double(yb[i]) * log(q) + (1 - Double(yb[i])) * log(1 - q)
                }
                step += 1
                let c1 = 1 - pow(b1, step), c2 = 1 - pow(b2, step)
                for l in stride(from: w.count - 1, through: 0, by: -1) {
                    let (out, inp) = (sizes[l + 1], sizes[l])
                    var gw = [Float](repeating: 0, count: out * inp)
                    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(out), Int32(inp), Int32(m), 1, dz, Int32(out), a[l], Int32(inp), 0, &gw, Int32(inp))
                    var gb = [Float](repeating: 0, count: out)
                    for i in 0..<m { for k in 0..<out { gb[k] += dz[i * out + k] } }
                    if l > 0 {
                        var da = [Float](repeating: 0, count: m * inp)
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(inp), Int32(out), 1, dz, Int32(out), w[l], Int32(inp), 0, &da, Int32(inp))
                        let prev = a[l]
                        for i in da.indices { da[i] *= derivative(acts[l - 1], prev[i]) }
                        dz = da
                    }
                    for k in w[l].indices {
                        mw[l][k] = b1 * mw[l][k] + (1 - b1) * gw[k]
                        vw[l][k] = b2 * vw[l][k] + (1 - b2) * gw[k] * gw[k]
                        w[l][k] -= o.learningRate * ((mw[l][k] / c1) / ((vw[l][k] / c2).squareRoot() + eps) + o.weightDecay * w[l][k])
                    }
                    for k in b[l].indices {
                        mb[l][k] = b1 * mb[l][k] + (1 - b1) * gb[k]
                        vb[l][k] = b2 * vb[l][k] + (1 - b2) * gb[k] * gb[k]
                        b[l][k] -= o.learningRate * (mb[l][k] / c1) / ((vb[l][k] / c2).squareRoot() + eps)
                    }
                }
            }
            let validation = loss(w, b, validationX, validationY).loss
            let elapsed = ContinuousClock.now - start
            progress(Progress(epoch: epoch, epochs: o.epochs, trainLoss: trainLoss / Double(split), validationLoss: validation,
                              elapsed: elapsed, eta: elapsed / epoch * (o.epochs - epoch)))
            if validation < best.loss - 1e-9 {
                best = (w, b, validation, epoch)
            } else if epoch - best.epoch >= o.patience {
                break
            }
        }
        var tensors: [(name: String, shape: [Int], values: [Float])] = []
        for l in best.w.indices {
            tensors.append(("layer\(l).weight", [sizes[l + 1], sizes[l]], best.w[l]))
            tensors.append(("layer\(l).bias", [sizes[l + 1]], best.b[l]))
        }
        var meta = card
        meta["training"] = note + ", best epoch \(best.epoch) of \(epoch), seed \(o.seed)"
        let bytes = try Safetensors.encode(tensors, metadata: meta)
        let trainX = Array(x[..<(split * n)]), trainY = Array(labels[..<split])
        return Result(weights: bytes, trainRows: split, validationRows: rows - split, baseValidationLoss: baseLoss,
                      validationLoss: best.loss, trainLoss: loss(best.w, best.b, trainX, trainY).loss,
                      validationAccuracy: loss(best.w, best.b, validationX, validationY).accuracy, bestEpoch: best.epoch, epochsRun: epoch)
    }

    /// Every layer's activations for a batch, the input first.
    static func forward(_ w: [[Float]], _ b: [[Float]], _ acts: [Activation], _ sizes: [Int], _ x: [Float], rows: Int) -> [[Float]] {
        var out = [x]
        for l in w.indices {
            let (o, i) = (sizes[l + 1], sizes[l])
            var y = [Float](repeating: 0, count: rows * o)
            for r in 0..<rows { y.replaceSubrange((r * o)..<((r + 1) * o), with: b[l]) }
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(o), Int32(i), 1, out[l], Int32(i), w[l], Int32(i), 1, &y, Int32(o))
            for k in y.indices { y[k] = acts[l].apply(y[k]) }
            out.append(y)
        }
        return out
    }

    /// The activation's derivative, from its output.
    static func derivative(_ a: Activation, _ y: Float) -> Float {
        switch a {
        case .identity: 1
        case .relu: y > 0 ? 1 : 0
        case .tanh: 1 - y * y
        case .sigmoid: y * (1 - y)
        }
    }
}
