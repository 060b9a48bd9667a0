import Foundation
import SigilCore

/// An alert as a run wrote it to its JSONL outputs: what the backtest scores.
public struct AlertRecord: Sendable, Hashable {
    public var key: String
    public var strategy: String
    public var plugin: String
    public var alertId: String
    public var severity: String
    public var description: String
    public var pool: String
    public var block: UInt64
    public var transaction: String
    public var addresses: [String]
    public var metadata: [String: String]

    public init(key: String, strategy: String, plugin: String, alertId: String, severity: String, description: String, pool: String,
                block: UInt64, transaction: String, addresses: [String], metadata: [String: String]) {
        self.key = key
        self.strategy = strategy
        self.plugin = plugin
        self.alertId = alertId
        self.severity = severity
        self.description = description
        self.pool = pool
        self.block = block
        self.transaction = transaction
        self.addresses = addresses
        self.metadata = metadata
    }

    /// The account the alert holds responsible: its `responsible` evidence, else the first
    /// address it names.
    public var responsible: String? { (metadata["responsible"] ?? addresses.first)?.lowercased() }

    /// Every transaction the alert's evidence names, with the one that caused it.
    public var transactions: Set<String> {
        var out: Set<String> = [transaction.lowercased()]
        for key in ["transactions", "victimTxs", "frontrunTx", "backrunTx"] {
            for t in (metadata[key] ?? "").split(separator: ",") where !t.isEmpty { out.insert(t.lowercased()) }
        }
        return out
    }

    /// The alerts standing at the end of a JSONL outputs file: in file order, without those a
    /// later retraction line took back (and with those produced again after it).
    public static func read(jsonl path: String) throws -> [AlertRecord] {
        try parse(InputFile.text(path, what: "outputs file", limit: 4 << 30), path: path)
    }

    /// Parses JSONL outputs; errors name `path` and the line.
    public static func parse(_ text: String, path: String) throws -> [AlertRecord] {
        try OutputLine.standing(text, path: path).compactMap { l in
            guard l.type == "alert", let a = l.alert, let e = l.event else { return nil }
            return AlertRecord(key: l.key, strategy: l.strategy ?? "", plugin: l.plugin ?? "", alertId: a.alertId,
                               severity: a.severity, description: a.description, pool: a.pool.lowercased(),
                               block: e.blockNumber, transaction: e.transactionHash.lowercased(),
                               addresses: a.addresses.map { $0.lowercased() }, metadata: a.metadata)
        }
    }
}
