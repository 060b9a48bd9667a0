import Foundation
public import SigilCore

/// Publishes model versions to the on-chain ModelRegistry: a signed EIP-1559 `publish`
/// transaction, its receipt awaited, the new entry read from its `ModelPublished` log. The key
/// must be a publisher the registry's owner authorised (`RegistryOwner.setPublisher`).
public struct RegistryPublisher: Sendable {
    public let registry: Address
    let sender: TransactionSender

    public init(rpc: any JSONRPCTransport, registry: Address, key: PrivateKey) {
        self.registry = registry
        sender = TransactionSender(rpc: rpc, key: key)
    }

    public var rpc: any JSONRPCTransport { sender.rpc }

    /// The publisher's address (the registry must authorise it).
    public var publisher: Address { sender.address }

    public struct Published: Sendable, Hashable {
        public var entry: RegistryEntry
        public var transactionHash: Hash32
        public var blockNumber: UInt64
    }

    /// Appends a version of `model` with the weights' SHA-256 `weightsHash`, fetched from `uri`,
    /// crediting `contributor`; returns the version the registry numbered it.
    public func publish(model: Hash32, weightsHash: Hash32, uri: String, contributor: Address,
                        timeout: Duration = .seconds(60)) async throws -> Published {
        let data = try ABI.call("publish(bytes32,bytes32,string,address)", [.fixedBytes(32), .fixedBytes(32), .string, .address],
                                [.fixedBytes(model.bytes), .fixedBytes(weightsHash.bytes), .string(uri), .address(contributor)])
        let receipt = try await sender.send(to: registry, data: data, timeout: timeout)
        for log in receipt.logs where log.address == registry && log.topicCount == 4 && log.topic(0) == ModelRegistryABI.modelPublishedTopic {
            return Published(entry: try ModelRegistryABI.decodePublished(log), transactionHash: receipt.transactionHash,
                             blockNumber: receipt.blockNumber)
        }
        throw ChainError.transport("the publish transaction \(receipt.transactionHash) emitted no ModelPublished from \(registry)")
    }
}
