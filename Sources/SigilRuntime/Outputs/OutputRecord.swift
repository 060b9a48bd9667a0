import Foundation
public import SigilCore

/// One output as it is persisted: what happened, which strategy said it, and the event that
/// caused it.
public struct OutputRecord: Hashable, Sendable {
    public enum Body: Hashable, Sendable {
        case alert(Alert)
        /// A signal, and whether the risk gate vetoed it (vetoed signals are kept, marked).
        case signal(Signal, vetoed: Bool)
        /// A paper fill of a signal.
        case fill(Fill, side: Signal.Side)
    }

    public var strategy: String
    public var plugin: String
    public var body: Body

    public init(strategy: String, plugin: String, body: Body) {
        self.strategy = strategy
        self.plugin = plugin
        self.body = body
    }

    public var cause: EventID {
        switch body {
        case .alert(let a): a.cause
        case .signal(let s, _): s.cause
        case .fill(let f, _): f.cause
        }
    }

    /// "alert", "signal" or "vetoed_signal".
    public var type: String {
        switch body {
        case .alert: "alert"
        case .signal(_, let vetoed): vetoed ? "vetoed_signal" : "signal"
        case .fill: "fill"
        }
    }

    public var pool: Address {
        switch body {
        case .alert(let a): a.pool
        case .signal(let s, _): s.pool
        case .fill(let f, _): f.pool
        }
    }

    /// A stable identity: the same strategy saying the same thing about the same event is the
    /// same output, however often the event is seen.
    public var key: String {
        switch body {
        case .alert(let a): "alert:\(strategy):\(a.alertId):\(a.cause.chainId):\(a.cause.blockHash):\(a.cause.logIndex)"
        case .signal(let s, _): "signal:\(strategy):\(s.side.rawValue):\(s.cause.chainId):\(s.cause.blockHash):\(s.cause.logIndex)"
        case .fill(let f, let side): "fill:\(strategy):\(side.rawValue):\(f.cause.chainId):\(f.cause.blockHash):\(f.cause.logIndex)"
        }
    }

    /// The JSON object written to the JSONL sink (keys sorted).
    public var json: String {
        var obj: [String: Any] = [
            "key": key, "strategy": strategy, "plugin": plugin,
            "event": [
                "chainId": cause.chainId, "blockNumber": cause.blockNumber, "blockHash": "\(cause.blockHash)",
                "logIndex": cause.logIndex, "transactionHash": "\(cause.transactionHash)",
            ] as [String: Any],
        ]
        switch body {
        case .alert(let a):
            obj["type"] = "alert"
            obj["alert"] = [
                "alertId": a.alertId, "name": a.name, "description": a.description, "severity": a.severity.rawValue,
                "type": a.kind.rawValue, "pool": "\(a.pool)", "addresses": a.addresses.map { "\($0)" },
                "labels": a.labels.map { ["entity": $0.entity, "label": $0.label, "confidence": $0.confidence] as [String: Any] },
                "metadata": a.metadata,
            ] as [String: Any]
        case .signal(let sig, let vetoed):
            obj["type"] = "signal"
            var o: [String: Any] = [
                "side": sig.side.rawValue, "pool": "\(sig.pool)", "confidence": sig.confidence, "vetoed": vetoed,
                "metadata": sig.metadata,
            ]
            if let m = sig.model {
                o["model"] = ["id": m.id, "version": m.version, "weightsHash": "\(m.weightsHash)"] as [String: Any]
            }
            obj["signal"] = o
        case .fill(let f, let side):
            obj["type"] = "fill"
            obj["fill"] = ["side": side.rawValue, "pool": "\(f.pool)", "tokenIn": "\(f.tokenIn)", "amountIn": f.amountIn,
                           "tokenOut": "\(f.tokenOut)", "amountOut": f.amountOut] as [String: Any]
        }
        let data = (try? JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
