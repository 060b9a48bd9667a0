import Foundation
import SigilCore
public import SigilModels

/// Trains a logistic regression or a one-hidden-layer MLP (tanh) with a sigmoid output on
/// binary cross-entropy, or an autoencoder (tanh bottleneck, linear output) on the squared error
/// of reconstructing its standardised input (labels unused): full-batch Adam with weight decay,
/// keeping the weights of the best validation loss (early stopping). Deterministic: the same
/// data, options and seed give byte-identical files.
public enum Trainer {
    public struct Options: Sendable {
        public enum Architecture: String, Sendable, CaseIterable { case logistic, mlp, autoencoder }
        public var architecture: Architecture = .logistic
        public var hidden = 8
        public var epochs = 400
        public var learningRate = 0.02
        public var weightDecay = 1e-4
        /// The last share of rows (in time order) held out for validation.
        public var validationShare = 0.3
        /// Stop when the validation loss has not improved for this many epochs.
        public var patience = 50
        public var seed: UInt64 = 1

        public init() {}
    }

    public struct Report: Sendable {
        public var trainRows = 0, validationRows = 0, epochsRun = 0, bestEpoch = 0
        public var trainLoss = 0.0, validationLoss = 0.0, trainAccuracy = 0.0, validationAccuracy = 0.0
        /// The share of "up" labels in validation (the accuracy of always guessing up).
        public var validationBaseRate = 0.0
        /// An autoencoder's anomaly scores on the validation rows: 99th and 99.9th percentiles
        /// and the largest (what a threshold is read against).
        public var validationScoreP99 = 0.0, validationScoreP999 = 0.0, validationScoreMax = 0.0
    }

    /// Parameters as flat arrays: W1 (h × n), b1 (h), W2 (1 × h), b2 (1); for logistic only W1 (1 × n), b1 (1).
    struct Params {
        var w: [[Double]]
        var b: [[Double]]
        /// The last layer is linear (an autoencoder's reconstruction), not a sigmoid.
        var linearOutput = false
    }

    /// `progress` hears of each epoch: its number, the epochs at most, the validation loss.
    public static func train(_ data: Dataset, _ o: Options,
                             progress: (_ epoch: Int, _ epochs: Int, _ validationLoss: Double) -> Void = { _, _, _ in }) throws(ModelError)
        -> (model: [UInt8], report: Report) {
        let n = data.featureNames.count
        let rows = data.rows
        guard rows >= 20 else { throw ModelError("only \(rows) labelled rows: too few to train") }
        let split = Int(Double(rows) * (1 - o.validationShare))
        // Standardise with the training rows' statistics.
        var mean = [Double](repeating: 0, count: n), std = [Double](repeating: 0, count: n)
        for r in 0..<split { for j in 0..<n { mean[j] += Double(data.features[r * n + j]) } }
        for j in 0..<n { mean[j] /= Double(split) }
        for r in 0..<split { for j in 0..<n { let d = Double(data.features[r * n + j]) - mean[j]; std[j] += d * d } }
        for j in 0..<n { std[j] = max((std[j] / Double(split)).squareRoot(), 1e-9) }
        var x = [[Double]](repeating: [Double](repeating: 0, count: n), count: rows)
        for r in 0..<rows { for j in 0..<n { x[r][j] = (Double(data.features[r * n + j]) - mean[j]) / std[j] } }
        let y = data.labels.map(Double.init)
        let auto = o.architecture == .autoencoder

        var rng = SplitMix64(seed: o.seed)
        let sizes = switch o.architecture {
        case .logistic: [n, 1]
        case .mlp: [n, o.hidden, 1]
        case .autoencoder: [n, o.hidden, n]
        }
        var p = Params(w: [], b: [], linearOutput: auto)
        for l in 0..<(sizes.count - 1) {
            let scale = 1 / Double(sizes[l]).squareRoot()
            p.w.append((0..<(sizes[l] * sizes[l + 1])).map { _ in (rng.unit() * 2 - 1) * scale })
            p.b.append([Double](repeating: 0, count: sizes[l + 1]))
        }
        var m = Params(w: p.w.map { $0.map { _ in 0 } }, b: p.b.map { $0.map { _ in 0 } })
        var v = m
        var best = p, bestLoss = Double.infinity, bestEpoch = 0, epoch = 0
        let (b1, b2, eps) = (0.9, 0.999, 1e-8)
        while epoch < o.epochs {
            epoch += 1
            var g = Params(w: p.w.map { $0.map { _ in 0 } }, b: p.b.map { $0.map { _ in 0 } })
            for r in 0..<split { backward(p, sizes, x[r], auto ? x[r] : [y[r]], &g) }
            for l in 0..<g.w.count {
                for k in 0..<g.w[l].count { g.w[l][k] = g.w[l][k] / Double(split) + o.weightDecay * p.w[l][k] }
                for k in 0..<g.b[l].count { g.b[l][k] /= Double(split) }
            }
            let c1 = 1 - pow(b1, Double(epoch)), c2 = 1 - pow(b2, Double(epoch))
            for l in 0..<p.w.count {
                for k in 0..<p.w[l].count {
                    m.w[l][k] = b1 * m.w[l][k] + (1 - b1) * g.w[l][k]
                    v.w[l][k] = b2 * v.w[l][k] + (1 - b2) * g.w[l][k] * g.w[l][k]
                    p.w[l][k] -= o.learningRate * (m.w[l][k] / c1) / ((v.w[l][k] / c2).squareRoot() + eps)
                }
                for k in 0..<p.b[l].count {
                    m.b[l][k] = b1 * m.b[l][k] + (1 - b1) * g.b[l][k]
                    v.b[l][k] = b2 * v.b[l][k] + (1 - b2) * g.b[l][k] * g.b[l][k]
                    p.b[l][k] -= o.learningRate * (m.b[l][k] / c1) / ((v.b[l][k] / c2).squareRoot() + eps)
                }
            }
            let (valLoss, _) = evaluate(p, sizes, x, y, split..<rows, auto: auto)
            progress(epoch, o.epochs, valLoss)
            if valLoss < bestLoss - 1e-9 {
                bestLoss = valLoss
                best = p
                bestEpoch = epoch
            } else if epoch - bestEpoch >= o.patience {
                break
            }
        }
        var report = Report()
        report.trainRows = split
        report.validationRows = rows - split
        report.epochsRun = epoch
        report.bestEpoch = bestEpoch
        (report.trainLoss, report.trainAccuracy) = evaluate(best, sizes, x, y, 0..<split, auto: auto)
        (report.validationLoss, report.validationAccuracy) = evaluate(best, sizes, x, y, split..<rows, auto: auto)
        report.validationBaseRate = auto ? 0 : y[split...].reduce(0, +) / Double(max(1, rows - split))
        if auto, rows > split {
            let scores = (split..<rows).map { r in
                zip(forward(best, sizes, x[r]).last!, x[r]).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / Double(n)
            }.sorted()
            func quantile(_ q: Double) -> Double { scores[min(scores.count - 1, Int(q * Double(scores.count)))] }
            (report.validationScoreP99, report.validationScoreP999, report.validationScoreMax) = (quantile(0.99), quantile(0.999), scores.last!)
        }

        var tensors: [(name: String, shape: [Int], values: [Float])] = []
        for l in 0..<best.w.count {
            tensors.append(("layer\(l).weight", [sizes[l + 1], sizes[l]], best.w[l].map { Float($0) }))
            tensors.append(("layer\(l).bias", [sizes[l + 1]], best.b[l].map { Float($0) }))
        }
        let acts = switch o.architecture {
        case .logistic: "sigmoid"
        case .mlp: "tanh,sigmoid"
        case .autoencoder: "tanh,identity"
        }
        let bytes = try Safetensors.encode(tensors, metadata: [
            "architecture": o.architecture.rawValue,
            "features": data.featureNames.joined(separator: ","),
            "activations": acts,
            "normalization.mean": mean.map { "\(Float($0))" }.joined(separator: ","),
            "normalization.std": std.map { "\(Float($0))" }.joined(separator: ","),
            "training": "sigil train-model: \(o.architecture.rawValue), \(split) rows, best epoch \(bestEpoch), seed \(o.seed)",
        ])
        return (bytes, report)
    }

    /// Forward pass: the activations of every layer (tanh, then a sigmoid or, for an
    /// autoencoder, a linear output).
    static func forward(_ p: Params, _ sizes: [Int], _ x: [Double]) -> [[Double]] {
        var acts = [x]
        for l in 0..<p.w.count {
            let inp = acts[l]
            var out = [Double](repeating: 0, count: sizes[l + 1])
            for o in 0..<sizes[l + 1] {
                var s = p.b[l][o]
                for i in 0..<sizes[l] { s += p.w[l][o * sizes[l] + i] * inp[i] }
                out[o] = l == p.w.count - 1 ? (p.linearOutput ? s : 1 / (1 + exp(-s))) : tanh(s)
            }
            acts.append(out)
        }
        return acts
    }

    /// Adds the gradient of one row's loss into `g`: cross-entropy of a sigmoid output against
    /// `target[0]`, or half the squared error of a linear output against `target`.
    static func backward(_ p: Params, _ sizes: [Int], _ x: [Double], _ target: [Double], _ g: inout Params) {
        let acts = forward(p, sizes, x)
        // Both losses have the same output gradient: output − target.
        var delta = zip(acts[acts.count - 1], target).map { $0 - $1 }
        for l in stride(from: p.w.count - 1, through: 0, by: -1) {
            let inp = acts[l]
            var prev = [Double](repeating: 0, count: sizes[l])
            for o in 0..<sizes[l + 1] {
                g.b[l][o] += delta[o]
                for i in 0..<sizes[l] {
                    g.w[l][o * sizes[l] + i] += delta[o] * inp[i]
                    prev[i] += delta[o] * p.w[l][o * sizes[l] + i]
                }
            }
            if l > 0 { delta = (0..<sizes[l]).map { prev[$0] * (1 - inp[$0] * inp[$0]) } }  // tanh'
        }
    }

    /// Mean loss and accuracy over `range` (an autoencoder: mean squared reconstruction error per
    /// feature, accuracy 0).
    static func evaluate(_ p: Params, _ sizes: [Int], _ x: [[Double]], _ y: [Double], _ range: Range<Int>, auto: Bool) -> (loss: Double, accuracy: Double) {
        guard !range.isEmpty else { return (0, 0) }
        var loss = 0.0, correct = 0
        if auto {
            for r in range { loss += zip(forward(p, sizes, x[r]).last!, x[r]).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / Double(x[r].count) }
            return (loss / Double(range.count), 0)
        }
        for r in range {
            let q = min(max(forward(p, sizes, x[r]).last![0], 1e-12), 1 - 1e-12)
            loss -= y[r] * log(q) + (1 - y[r]) * log(1 - q)
            if (q >= 0.5) == (y[r] == 1) { correct += 1 }
        }
        return (loss / Double(range.count), Double(correct) / Double(range.count))
    }
}
