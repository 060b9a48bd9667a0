public import SigilCore

/// What a ModelRegistry's owner does: deploy the contract (its committed creation code, the
/// sender becoming the owner) and authorise or revoke publishers. Each is a signed EIP-1559
/// transaction whose receipt is awaited and whose event is checked.
public struct RegistryOwner: Sendable {
    public let registry: Address
    let sender: TransactionSender

    public init(rpc: any JSONRPCTransport, registry: Address, key: PrivateKey) {
        self.registry = registry
        sender = TransactionSender(rpc: rpc, key: key)
    }

    /// A deployed registry: its address, and the transaction that created it.
    public struct Deployed: Sendable, Hashable {
        public var registry: Address
        public var owner: Address
        public var transactionHash: Hash32
        public var blockNumber: UInt64
    }

    /// Deploys a new ModelRegistry (the creation code compiled from `contracts/ModelRegistry.vy`)
    /// owned by the key's account.
    public static func deploy(rpc: any JSONRPCTransport, key: PrivateKey, timeout: Duration = .seconds(60)) async throws -> Deployed {
        guard let code = Hex.decode(ModelRegistryABI.creationCode), !code.isEmpty else {
            throw ChainError.transport("the ModelRegistry creation code built into sigil is not hex")
        }
        let sender = TransactionSender(rpc: rpc, key: key)
        let receipt = try await sender.send(to: nil, data: code, timeout: timeout)
        guard let address = receipt.contractAddress else {
            throw ChainError.transport("the deployment \(receipt.transactionHash) left no contractAddress in its receipt")
        }
        let ownershipTopic = Hash32(bytes: Keccak256.hash("OwnershipTransferred(address,address)"))!
        guard receipt.logs.contains(where: { $0.address == address && $0.topicCount == 3 && $0.topic(0) == ownershipTopic }) else {
            throw ChainError.transport("the deployment \(receipt.transactionHash) emitted no OwnershipTransferred: not a ModelRegistry")
        }
        return Deployed(registry: address, owner: key.address, transactionHash: receipt.transactionHash, blockNumber: receipt.blockNumber)
    }

    /// The transaction that changed a publisher's authorisation.
    public struct Changed: Sendable, Hashable {
        public var transactionHash: Hash32
        public var blockNumber: UInt64
    }

    /// Authorises (`true`) or revokes (`false`) `publisher`. Only the owner may; the registry's
    /// refusal (`not owner`) comes back as a revert before anything is sent.
    public func setPublisher(_ publisher: Address, authorised: Bool, timeout: Duration = .seconds(60)) async throws -> Changed {
        let data = try ABI.call("setPublisher(address,bool)", [.address, .bool], [.address(publisher), .bool(authorised)])
        let receipt = try await sender.send(to: registry, data: data, timeout: timeout)
        let changedTopic = Hash32(bytes: Keccak256.hash("PublisherChanged(address,bool)"))!
        guard receipt.logs.contains(where: {
            $0.address == registry && $0.topicCount == 2 && $0.topic(0) == changedTopic && (try? Address(abiWord: $0.topic(1))) == publisher
        }) else {
            throw ChainError.transport("the transaction \(receipt.transactionHash) emitted no PublisherChanged for \(publisher) from \(registry)")
        }
        return Changed(transactionHash: receipt.transactionHash, blockNumber: receipt.blockNumber)
    }
}
