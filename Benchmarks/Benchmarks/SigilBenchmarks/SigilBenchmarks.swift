import Benchmark
import Foundation
import SigilChain
import SigilCore
import SigilFeeds
import SigilModels
import SigilRuntime

/// The hot paths below the whole process, each iteration a fixed amount of work named in the
/// benchmark's name ("×N"), so that `tools/sigiltools/bench.py` reads time and allocations per
/// item from the wall-clock and malloc percentiles. Inputs are the bundled recording and
/// models (`SIGIL_ROOT`), and the file `SIGIL_BENCH_HASH_FILE` for hashing.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .mallocCountTotal, .throughput], warmupIterations: 3,
                                           maxDuration: .seconds(3), maxIterations: 1_000)
    let root = ProcessInfo.processInfo.environment["SIGIL_ROOT"] ?? ".."
    let chainId: UInt64 = 131_277_322_940_537

    // Every frame of the bundled recording, in memory.
    var frames: [[UInt8]] = []
    do {
        let recording = try Recording(path: root + "/data/replay/sigil-scenarios.jsonl.gz")
        _ = try recording.forEachFrame { frames.append(Array($0)) }
    } catch {
        fatalError("benchmarks: cannot read the bundled recording under \(root): \(error)")
    }
    let decodeFrames = frames
    Benchmark("frame-decode ×\(decodeFrames.count)") { benchmark in
        let decoder = FrameDecoder(chainId: chainId)
        for frame in decodeFrames {
            let decoded = frame.withUnsafeBytes { try? decoder.decodeKeepingLog($0) }
            blackHole(decoded)
        }
    }

    // One signal and one alert as they are stored.
    let cause = EventID(chainId: chainId, blockHash: Hash32(bytes: [UInt8](repeating: 7, count: 32))!, logIndex: 3, blockNumber: 1_234,
                        transactionHash: Hash32(bytes: [UInt8](repeating: 9, count: 32))!, transactionIndex: 1)
    let pool = Address(bytes: [UInt8](repeating: 5, count: 20))!
    let signal = OutputRecord(strategy: "signals", plugin: "model-signal", body: .signal(
        Signal(side: .buy, pool: pool, confidence: 0.61,
               model: ModelReference(id: "sigil/model-signal", version: 1, weightsHash: Hash32(bytes: [UInt8](repeating: 1, count: 32))!),
               metadata: ["p_up": "0.61", "threshold": "0.55"], cause: cause),
        vetoed: false))
    let alert = OutputRecord(strategy: "rug-guard", plugin: "rug-pull-guard", body: .alert(
        Alert(alertId: "SIGIL-RUG-1", name: "Rug pull", description: "liquidity removed: 92% of the pool within 3 blocks",
              severity: .critical, kind: .exploit, pool: pool, addresses: [pool], labels: [],
              metadata: ["share": "0.92", "removedBy": "\(pool)"], cause: cause)))
    Benchmark("output-json ×1000") { benchmark in
        for i in 0..<500 {
            blackHole(signal.json)
            blackHole(alert.json)
            blackHole(i)
        }
    }

    // Inference of the bundled models, one row at a time as the plugin calls it.
    for (name, file) in [("logistic", "model-signal-logistic"), ("mlp", "model-signal-mlp")] {
        guard let bytes = FileManager.default.contents(atPath: "\(root)/models/\(file).safetensors").map({ [UInt8]($0) }),
              let model = try? NeuralModel(safetensors: bytes, reference: ModelReference(id: file, version: 1, weightsHash: .zero))
        else { fatalError("benchmarks: cannot load models/\(file).safetensors under \(root)") }
        let row = (0..<model.featureNames.count).map { Float($0) * 0.1 - 0.2 }
        Benchmark("inference-\(name) ×1000") { benchmark in
            for _ in 0..<1_000 { blackHole(try? model.predict(row, rows: 1)) }
        }
    }

    // Fine-tuning the bundled models on the rows of `SIGIL_BENCH_TRAIN_FILE` (little-endian
    // float32, each row the 7 features then the 0/1 label), a fixed number of epochs (no early
    // stop), the name counting training rows × epochs. The first run writes what it reached
    // (`<file>.<arch>.json`: validation loss and accuracy) for the driver's equal-loss check.
    if let path = ProcessInfo.processInfo.environment["SIGIL_BENCH_TRAIN_FILE"] {
        guard let raw = FileManager.default.contents(atPath: path), raw.count % 32 == 0, !raw.isEmpty else {
            fatalError("benchmarks: \(path) is not rows of 8 little-endian float32")
        }
        let values = raw.withUnsafeBytes { b in (0..<(raw.count / 4)).map { Float(bitPattern: UInt32(littleEndian: b.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) } }
        let rows = values.count / 8
        var features = [Float](), labels = [Float]()
        features.reserveCapacity(rows * 7)
        for r in 0..<rows {
            features += values[(r * 8)..<(r * 8 + 7)]
            labels.append(values[r * 8 + 7])
        }
        var options = FineTuner.Options()
        options.epochs = 20
        options.patience = options.epochs + 1
        let trainRows = Int(Double(rows) * (1 - options.validationShare))
        for (name, file) in [("logistic", "model-signal-logistic"), ("mlp", "model-signal-mlp")] {
            guard let bytes = FileManager.default.contents(atPath: "\(root)/models/\(file).safetensors").map({ [UInt8]($0) }),
                  let base = try? NeuralModel(safetensors: bytes, reference: ModelReference(id: file, version: 1, weightsHash: .zero)),
                  let card = try? Safetensors(bytes: bytes).metadata
            else { fatalError("benchmarks: cannot load models/\(file).safetensors under \(root)") }
            let (f, l, o) = (features, labels, options)
            Benchmark("fine-tune-\(name) ×\(trainRows * options.epochs)",
                      configuration: .init(metrics: [.wallClock, .mallocCountTotal, .throughput], warmupIterations: 1,
                                           maxDuration: .seconds(10), maxIterations: 5)) { benchmark in
                do {
                    let result = try FineTuner.fineTune(base: base, card: card, features: f, labels: l, options: o, note: "bench")
                    let reached = "{\"validation_loss\": \(result.validationLoss), \"validation_accuracy\": \(result.validationAccuracy), \"epochs\": \(result.epochsRun), \"train_rows\": \(result.trainRows)}\n"
                    FileManager.default.createFile(atPath: "\(path).\(name).json", contents: Data(reached.utf8))
                    blackHole(result)
                } catch {
                    fatalError("benchmarks: fine-tuning \(file) failed: \(error)")
                }
            }
        }
    }

    // SHA-256 of a model file, read from the page cache.
    if let path = ProcessInfo.processInfo.environment["SIGIL_BENCH_HASH_FILE"] {
        Benchmark("model-hash ×1", configuration: .init(metrics: [.wallClock, .mallocCountTotal, .throughput], warmupIterations: 1,
                                                          maxDuration: .seconds(20), maxIterations: 5)) { benchmark in
            blackHole(try? ModelHash.sha256(fileAt: path))
        }
    }
}
