/// The identity of one on-chain log: unique per (chain, block hash, log index).
///
/// Equality and hashing use exactly those three fields, so the same log seen twice (a replayed
/// frame, a backfill overlapping a subscription) dedups, while the same log index in a block
/// that replaced a reorged one does not. Block number and transaction hash ride along for
/// ordering and display.
public struct EventID: Hashable, Sendable, Codable, CustomStringConvertible {
    public var chainId: UInt64
    public var blockHash: Hash32
    public var logIndex: UInt32
    public var blockNumber: UInt64
    public var transactionHash: Hash32
    public var transactionIndex: UInt32

    public init(chainId: UInt64, blockHash: Hash32, logIndex: UInt32, blockNumber: UInt64,
                transactionHash: Hash32, transactionIndex: UInt32) {
        self.chainId = chainId
        self.blockHash = blockHash
        self.logIndex = logIndex
        self.blockNumber = blockNumber
        self.transactionHash = transactionHash
        self.transactionIndex = transactionIndex
    }

    public static func == (a: EventID, b: EventID) -> Bool {
        a.chainId == b.chainId && a.blockHash == b.blockHash && a.logIndex == b.logIndex
    }

    public func hash(into h: inout Hasher) {
        h.combine(chainId)
        h.combine(blockHash)
        h.combine(logIndex)
    }

    public var description: String { "\(chainId):\(blockNumber):\(blockHash):\(logIndex)" }
}
