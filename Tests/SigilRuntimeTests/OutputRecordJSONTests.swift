import Foundation
import SigilCore
@testable import SigilRuntime
import Testing

/// Stored outputs keep the JSON they always had: `OutputRecord.json`, written member by member,
/// is byte-identical to Foundation's `JSONSerialization` with sorted keys on the same record.
@Suite struct OutputRecordJSONTests {
    @Test func outputJSONIsJSONSerializationsSortedKeysFormat() throws {
        var rng = SplitMix64(seed: 12)
        let alphabet: [String] = ["a", "Z", "_", "0", "10", "/", "\"", "\\", "\n", "\u{1}", "é", "😀", "\u{2028}", " ", "key", "Key"]
        func text(_ max: Int) -> String {
            (0..<Int(rng.next() % UInt64(max + 1))).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }.joined()
        }
        func number() -> Double {
            switch rng.next() % 4 {
            case 0: Double(rng.next() % 1_000) / 1_000
            case 1: Double(bitPattern: rng.next() & 0x7FEF_FFFF_FFFF_FFFF)
            case 2: Double(rng.next() % 100) * 1e18
            default: Double(rng.next() % 10)
            }
        }
        func address() -> Address { Address(hi: rng.next(), mid: rng.next(), lo: UInt32(truncatingIfNeeded: rng.next())) }
        func hash() -> Hash32 { Hash32(w0: rng.next(), w1: rng.next(), w2: rng.next(), w3: rng.next() >> (rng.next() % 64)) }
        func map() -> [String: String] {
            var m: [String: String] = [:]
            for _ in 0..<Int(rng.next() % 4) { m[text(3)] = text(5) }
            return m
        }
        for _ in 0..<5_000 {
            let cause = EventID(chainId: rng.next() >> (rng.next() % 64), blockHash: hash(), logIndex: UInt32(truncatingIfNeeded: rng.next()),
                                blockNumber: rng.next() >> (rng.next() % 64), transactionHash: hash(), transactionIndex: 0)
            let (strategy, plugin) = (text(6), text(6))
            let body: OutputRecord.Body
            var inner: (String, [String: Any])
            switch rng.next() % 3 {
            case 0:
                let labels = (0..<Int(rng.next() % 3)).map { _ in Alert.Label(entity: text(4), label: text(4), confidence: number()) }
                let a = Alert(alertId: text(5), name: text(5), description: text(12), severity: Alert.Severity.allCases[Int(rng.next() % 5)],
                              kind: Alert.Kind.allCases[Int(rng.next() % 4)], pool: address(), addresses: (0..<Int(rng.next() % 3)).map { _ in address() },
                              labels: labels, metadata: map(), cause: cause)
                body = .alert(a)
                inner = ("alert", ["alertId": a.alertId, "name": a.name, "description": a.description, "severity": a.severity.rawValue,
                                   "type": a.kind.rawValue, "pool": "\(a.pool)", "addresses": a.addresses.map { "\($0)" },
                                   "labels": labels.map { ["entity": $0.entity, "label": $0.label, "confidence": $0.confidence] as [String: Any] },
                                   "metadata": a.metadata])
            case 1:
                let model = rng.next() % 2 == 0 ? ModelReference(id: text(5), version: rng.next() >> 40, weightsHash: hash()) : nil
                let s = Signal(side: rng.next() % 2 == 0 ? .buy : .sell, pool: address(), confidence: number(), model: model, metadata: map(), cause: cause)
                let vetoed = rng.next() % 2 == 0
                body = .signal(s, vetoed: vetoed)
                inner = ("signal", ["side": s.side.rawValue, "pool": "\(s.pool)", "confidence": s.confidence, "vetoed": vetoed, "metadata": s.metadata])
                if let model { inner.1["model"] = ["id": model.id, "version": model.version, "weightsHash": "\(model.weightsHash)"] as [String: Any] }
            default:
                let f = Fill(pool: address(), tokenIn: address(), amountIn: number(), tokenOut: address(), amountOut: number(), cause: cause)
                let side: Signal.Side = rng.next() % 2 == 0 ? .buy : .sell
                body = .fill(f, side: side)
                inner = ("fill", ["side": side.rawValue, "pool": "\(f.pool)", "tokenIn": "\(f.tokenIn)", "amountIn": f.amountIn,
                                  "tokenOut": "\(f.tokenOut)", "amountOut": f.amountOut])
            }
            let record = OutputRecord(strategy: strategy, plugin: plugin, body: body)
            let reference: [String: Any] = [
                "key": record.key, "strategy": strategy, "plugin": plugin, "type": record.type == "vetoed_signal" ? "signal" : record.type,
                "event": ["chainId": cause.chainId, "blockNumber": cause.blockNumber, "blockHash": "\(cause.blockHash)",
                          "logIndex": UInt64(cause.logIndex), "transactionHash": "\(cause.transactionHash)"] as [String: Any],
                inner.0: inner.1,
            ]
            let want = String(decoding: try JSONSerialization.data(withJSONObject: reference, options: [.sortedKeys]), as: UTF8.self)
            #expect(record.json == want)
            if record.json != want { return }
        }
    }
}
