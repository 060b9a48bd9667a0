public import SigilCore

/// A log inside a scanned frame (valid while the frame's bytes are).
public struct ScannedLog: LogView {
    public let address: Address
    let topics: (Hash32, Hash32, Hash32, Hash32)
    public let topicCount: Int
    let base: UnsafeRawPointer
    /// Offset and length, in hex digits, of `data` without its `0x`.
    let dataStart: Int, dataHexCount: Int
    public let blockNumber: UInt64
    public let blockHash: Hash32
    public let transactionHash: Hash32
    public let transactionIndex: UInt32
    public let logIndex: UInt32
    public let removed: Bool

    public func topic(_ i: Int) -> Hash32 {
        switch i {
        case 0: topics.0
        case 1: topics.1
        case 2: topics.2
        default: topics.3
        }
    }

    public var dataWordCount: Int? { dataHexCount % 64 == 0 ? dataHexCount / 64 : nil }

    public func dataWord(_ i: Int) -> Hash32 {
        HexScan.hash(base.assumingMemoryBound(to: UInt8.self) + dataStart + 64 * i)
    }

    /// The data bytes (a copy).
    public var data: [UInt8] {
        let p = base.assumingMemoryBound(to: UInt8.self) + dataStart
        return (0..<dataHexCount / 2).map { HexScan.byte(p + 2 * $0) }
    }

    /// An owned copy of this log.
    public var owned: EthLog {
        EthLog(address: address, topics: (0..<topicCount).map(topic), data: data, blockNumber: blockNumber,
               blockHash: blockHash, transactionHash: transactionHash, transactionIndex: transactionIndex,
               logIndex: logIndex, removed: removed)
    }
}
