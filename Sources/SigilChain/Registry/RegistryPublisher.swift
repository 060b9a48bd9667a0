import BigInt
import Foundation
public import SigilCore

/// Publishes model versions to the on-chain ModelRegistry: a signed EIP-1559 transaction sent
/// with `eth_sendRawTransaction`, its receipt awaited, the new entry read from its
/// `ModelPublished` log.
public struct RegistryPublisher: Sendable {
    public let rpc: any JSONRPCTransport
    public let registry: Address
    let key: PrivateKey

    public init(rpc: any JSONRPCTransport, registry: Address, key: PrivateKey) {
        self.rpc = rpc
        self.registry = registry
        self.key = key
    }

    /// The publisher's address (the registry must authorise it).
    public var publisher: Address { key.address }

    public struct Published: Sendable, Hashable {
        public var entry: RegistryEntry
        public var transactionHash: Hash32
    }

    public func publish(model: Hash32, weightsHash: Hash32, uri: String, contributor: Address,
                        timeout: Duration = .seconds(60)) async throws -> Published {
        let data = try ABI.call("publish(bytes32,bytes32,string,address)", [.fixedBytes(32), .fixedBytes(32), .string, .address],
                                [.fixedBytes(model.bytes), .fixedBytes(weightsHash.bytes), .string(uri), .address(contributor)])
        func quantity(_ v: JSONValue, _ what: String) throws -> BigUInt {
            guard let s = v.stringValue, s.hasPrefix("0x"), let n = BigUInt(String(s.dropFirst(2)), radix: 16) else {
                throw ChainError.transport("\(what) answered \(v)")
            }
            return n
        }
        let chainId = try quantity(try await rpc.call("eth_chainId", []), "eth_chainId")
        let nonce = try quantity(try await rpc.call("eth_getTransactionCount", [.string("\(publisher)"), "pending"]), "eth_getTransactionCount")
        let tip = try quantity(try await rpc.call("eth_maxPriorityFeePerGas", []), "eth_maxPriorityFeePerGas")
        let block = try await rpc.call("eth_getBlockByNumber", ["latest", .bool(false)])
        let baseFee = try quantity(block["baseFeePerGas"] ?? .null, "baseFeePerGas")
        let call: JSONValue = ["from": .string("\(publisher)"), "to": .string("\(registry)"), "data": .string(Hex.encode(data))]
        let gas = try quantity(try await rpc.call("eth_estimateGas", [call]), "eth_estimateGas")
        let tx = EIP1559Transaction(chainId: UInt64(chainId), nonce: UInt64(nonce), maxPriorityFeePerGas: tip, maxFeePerGas: 2 * baseFee + tip,
                                    gasLimit: UInt64(gas) * 6 / 5 + 10_000, to: registry, data: data)
        let signed = try tx.signed(with: key)
        _ = try await rpc.call("eth_sendRawTransaction", [.string(signed.rawHex)])
        let deadline = ContinuousClock.now + timeout
        while true {
            let receipt = try await rpc.call("eth_getTransactionReceipt", [.string("\(signed.hash)")])
            if receipt != .null {
                guard receipt["status"]?.stringValue == "0x1" else { throw ChainError.transport("the publish transaction \(signed.hash) reverted") }
                for entry in receipt["logs"]?.arrayValue ?? [] {
                    let log = try EthLog(json: entry)
                    if log.address == registry, log.topicCount == 4, log.topic(0) == ModelRegistryABI.modelPublishedTopic {
                        return Published(entry: try ModelRegistryABI.decodePublished(log), transactionHash: signed.hash)
                    }
                }
                throw ChainError.transport("the publish transaction \(signed.hash) emitted no ModelPublished")
            }
            guard ContinuousClock.now < deadline else { throw ChainError.transport("no receipt for \(signed.hash) within \(timeout)") }
            try await Task.sleep(for: .milliseconds(200))
        }
    }
}
