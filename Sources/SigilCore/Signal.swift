/// A trading signal from a strategy.
public struct Signal: Hashable, Sendable {
    public enum Side: String, Hashable, Sendable { case buy, sell }

    public var side: Side
    public var pool: Address
    /// In [0, 1].
    public var confidence: Double
    /// The model that produced it, when one did.
    public var model: ModelReference?
    public var metadata: [String: String]
    /// The event that caused it.
    public var cause: EventID

    public init(side: Side, pool: Address, confidence: Double, model: ModelReference?, metadata: [String: String], cause: EventID) {
        self.side = side
        self.pool = pool
        self.confidence = confidence
        self.model = model
        self.metadata = metadata
        self.cause = cause
    }
}

/// Which verified model produced an output: id, registry version and weights hash.
public struct ModelReference: Hashable, Sendable {
    public var id: String
    public var version: UInt64
    public var weightsHash: Hash32

    public init(id: String, version: UInt64, weightsHash: Hash32) {
        self.id = id
        self.version = version
        self.weightsHash = weightsHash
    }
}
