import Foundation
public import SigilCore

/// One output as it is persisted: what happened, which strategy said it, and the event that
/// caused it.
public struct OutputRecord: Hashable, Sendable {
    public enum Body: Hashable, Sendable {
        case alert(Alert)
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
        }
    }

    /// A stable identity: the same strategy saying the same thing about the same event is the
    /// same output, however often the event is seen.
    public var key: String {
        switch body {
        case .alert(let a): "alert:\(strategy):\(a.alertId):\(a.cause.chainId):\(a.cause.blockHash):\(a.cause.logIndex)"
        }
    }

    /// The JSON object written to the JSONL sink (keys sorted).
    public var json: String {
        var obj: [String: Any] = [
            "strategy": strategy, "plugin": plugin,
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
        }
        let data = (try? JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
