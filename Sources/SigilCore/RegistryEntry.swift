/// One version of a model as the on-chain ModelRegistry records it.
public struct RegistryEntry: Hashable, Sendable {
    public var modelId: Hash32
    /// Numbered from 1.
    public var version: UInt64
    /// SHA-256 of the weights file.
    public var weightsHash: Hash32
    public var uri: String
    public var publisher: Address
    public var contributor: Address

    public init(modelId: Hash32, version: UInt64, weightsHash: Hash32, uri: String, publisher: Address, contributor: Address) {
        self.modelId = modelId
        self.version = version
        self.weightsHash = weightsHash
        self.uri = uri
        self.publisher = publisher
        self.contributor = contributor
    }
}

/// Model ids: a 0x-prefixed 32-byte hex value as is, or any other name as keccak256 of its
/// UTF-8 bytes (computed by SigilChain's `ModelID.parse`).
public enum ModelVersionSelector: Hashable, Sendable, CustomStringConvertible {
    case latest
    case pinned(UInt64)

    public var description: String {
        switch self {
        case .latest: "latest"
        case .pinned(let n): "\(n)"
        }
    }
}
