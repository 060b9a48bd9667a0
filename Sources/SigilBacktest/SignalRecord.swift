import Foundation
import SigilCore

/// A signal as a run wrote it to its JSONL outputs: what the backtest trades on paper.
public struct SignalRecord: Sendable, Hashable {
    public var key: String
    public var strategy: String
    public var side: String
    public var pool: String
    public var block: UInt64
    /// True when the risk gate stopped it: it moves no position.
    public var vetoed: Bool
    /// The weights hash of the model that made it, if a model did.
    public var modelHash: String?

    public init(key: String, strategy: String, side: String, pool: String, block: UInt64, vetoed: Bool, modelHash: String?) {
        self.key = key
        self.strategy = strategy
        self.side = side
        self.pool = pool
        self.block = block
        self.vetoed = vetoed
        self.modelHash = modelHash
    }

    /// The signals standing at the end of a JSONL outputs file, in the order they were made.
    public static func read(jsonl path: String) throws -> [SignalRecord] {
        try parse(InputFile.text(path, what: "outputs file", limit: 4 << 30), path: path)
    }

    /// Parses JSONL outputs; errors name `path` and the line.
    public static func parse(_ text: String, path: String) throws -> [SignalRecord] {
        try OutputLine.standing(text, path: path).compactMap { l in
            guard l.type == "signal", let s = l.signal, let e = l.event else { return nil }
            return SignalRecord(key: l.key, strategy: l.strategy ?? "", side: s.side, pool: s.pool.lowercased(),
                                block: e.blockNumber, vetoed: s.vetoed, modelHash: s.model?.weightsHash.lowercased())
        }
    }
}
