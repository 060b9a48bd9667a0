public import SigilCore

/// Read access to one Ethereum log, however it is stored: decoders are generic over it so the
/// wire scanner can hand them a view into the frame without copying.
public protocol LogView {
    var address: Address { get }
    var topicCount: Int { get }
    /// Topic `i` (0 ≤ i < topicCount).
    func topic(_ i: Int) -> Hash32
    /// The number of whole 32-byte words in `data`, or nil when its length is not a multiple of 32.
    var dataWordCount: Int? { get }
    /// Data word `i` (0 ≤ i < dataWordCount).
    func dataWord(_ i: Int) -> Hash32
    var blockNumber: UInt64 { get }
    var blockHash: Hash32 { get }
    var transactionHash: Hash32 { get }
    var transactionIndex: UInt32 { get }
    var logIndex: UInt32 { get }
    var removed: Bool { get }
}

/// A log held in memory, as `eth_getLogs` and receipts return it.
public struct EthLog: LogView, Hashable, Sendable {
    public var address: Address
    public var topics: [Hash32]
    public var data: [UInt8]
    public var blockNumber: UInt64
    public var blockHash: Hash32
    public var transactionHash: Hash32
    public var transactionIndex: UInt32
    public var logIndex: UInt32
    public var removed: Bool

    public init(address: Address, topics: [Hash32], data: [UInt8], blockNumber: UInt64, blockHash: Hash32,
                transactionHash: Hash32, transactionIndex: UInt32, logIndex: UInt32, removed: Bool) {
        self.address = address
        self.topics = topics
        self.data = data
        self.blockNumber = blockNumber
        self.blockHash = blockHash
        self.transactionHash = transactionHash
        self.transactionIndex = transactionIndex
        self.logIndex = logIndex
        self.removed = removed
    }

    public var topicCount: Int { topics.count }
    public func topic(_ i: Int) -> Hash32 { topics[i] }
    public var dataWordCount: Int? { data.count % 32 == 0 ? data.count / 32 : nil }
    public func dataWord(_ i: Int) -> Hash32 { Hash32(bytes: data[(32 * i)..<(32 * i + 32)])! }

    /// The EventID of this log on `chainId`.
    public func eventID(chainId: UInt64) -> EventID {
        EventID(chainId: chainId, blockHash: blockHash, logIndex: logIndex, blockNumber: blockNumber,
                transactionHash: transactionHash, transactionIndex: transactionIndex)
    }
}

extension EthLog {
    /// A log from its JSON-RPC form (as `eth_getLogs` and receipts return it).
    public init(json: JSONValue) throws(ChainError) {
        func field(_ k: String) throws(ChainError) -> String {
            guard let s = json[k]?.stringValue else { throw ChainError.log("log field \(k) is missing or not a string") }
            return s
        }
        func hash(_ k: String) throws(ChainError) -> Hash32 {
            guard let h = Hash32(hex: try field(k)) else { throw ChainError.log("log field \(k) is not 32 bytes of hex") }
            return h
        }
        func qty(_ k: String) throws(ChainError) -> UInt64 {
            guard let q = Hex.quantity(try field(k)) else { throw ChainError.log("log field \(k) is not a quantity") }
            return q
        }
        guard let address = Address(hex: try field("address")) else { throw ChainError.log("log address is not 20 bytes of hex") }
        guard let topicValues = json["topics"]?.arrayValue, topicValues.count <= 4 else { throw ChainError.log("log topics are not an array of at most 4") }
        var topics: [Hash32] = []
        for t in topicValues {
            guard let h = t.stringValue.flatMap({ Hash32(hex: $0) }) else { throw ChainError.log("a topic is not 32 bytes of hex") }
            topics.append(h)
        }
        guard let data = Hex.decode(try field("data")) else { throw ChainError.log("log data is not hex") }
        let txIndex = try qty("transactionIndex"), logIndex = try qty("logIndex")
        guard txIndex <= UInt32.max, logIndex <= UInt32.max else { throw ChainError.log("log index out of range") }
        let blockNumber = try qty("blockNumber")
        guard blockNumber <= Bounds.maxBlockNumber else { throw ChainError.log("log blockNumber \(blockNumber) exceeds \(Bounds.maxBlockNumber)") }
        var removed = false
        if case .bool(let b)? = json["removed"] { removed = b }
        self.init(address: address, topics: topics, data: data, blockNumber: blockNumber, blockHash: try hash("blockHash"),
                  transactionHash: try hash("transactionHash"), transactionIndex: UInt32(txIndex), logIndex: UInt32(logIndex),
                  removed: removed)
    }
}
