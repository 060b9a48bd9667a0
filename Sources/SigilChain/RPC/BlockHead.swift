public import SigilCore

/// A block header from a `newHeads` notification: the fields the bot uses.
public struct BlockHead: Hashable, Sendable {
    public var number: UInt64
    public var hash: Hash32
    public var parentHash: Hash32
    public var timestamp: UInt64
    public var baseFeePerGas: UInt64?

    public init(number: UInt64, hash: Hash32, parentHash: Hash32, timestamp: UInt64, baseFeePerGas: UInt64? = nil) {
        self.number = number
        self.hash = hash
        self.parentHash = parentHash
        self.timestamp = timestamp
        self.baseFeePerGas = baseFeePerGas
    }
}
