import BigInt
import Foundation
public import SigilCore

/// Sends transactions from a local key: an EIP-1559 transaction priced from the node's base fee
/// and tip, its gas estimated, signed here, sent with `eth_sendRawTransaction`, and its receipt
/// awaited. A call the contract refuses fails at the estimate with the contract's reason
/// (`ChainError.isRevert`), before anything is signed or sent.
public struct TransactionSender: Sendable {
    public let rpc: any JSONRPCTransport
    let key: PrivateKey

    public init(rpc: any JSONRPCTransport, key: PrivateKey) {
        self.rpc = rpc
        self.key = key
    }

    /// The sending account.
    public var address: Address { key.address }

    /// What a mined transaction left: its hash, block, created contract and logs.
    public struct Receipt: Sendable {
        public var transactionHash: Hash32
        public var blockNumber: UInt64
        /// The contract a creation made (nil for a call).
        public var contractAddress: Address?
        public var logs: [EthLog]

        /// Reads an `eth_getTransactionReceipt` answer for transaction `hash`; a reverted
        /// transaction (status 0x0) throws `ChainError.isRevert`, anything malformed a typed error.
        public init(json r: JSONValue, of hash: Hash32) throws(ChainError) {
            let block = try TransactionSender.quantity64(r["blockNumber"] ?? .null, "the receipt's blockNumber")
            switch r["status"]?.stringValue {
            case "0x1": break
            case "0x0": throw ChainError.reverted("transaction \(hash) was mined in block \(block) and reverted")
            default: throw ChainError.malformed("the receipt of \(hash) has no status 0x0 or 0x1")
            }
            if let s = r["contractAddress"]?.stringValue {
                guard let a = Address(hex: s) else { throw ChainError.malformed("the receipt's contractAddress \(s.prefix(60)) is not an address") }
                contractAddress = a
            } else {
                contractAddress = nil
            }
            var logs: [EthLog] = []
            for entry in r["logs"]?.arrayValue ?? [] { logs.append(try EthLog(json: entry)) }
            self.logs = logs
            transactionHash = hash
            blockNumber = block
        }
    }

    /// The chain id the node reports.
    public func chainId() async throws -> UInt64 {
        try Self.quantity64(try await rpc.call("eth_chainId", []), "eth_chainId")
    }

    /// Sends `data` to the contract at `to` (nil: creates a contract with `data` as its creation
    /// code) and returns the receipt once mined; an address without code is refused unsent. Throws when the contract refuses the call (at the
    /// estimate, or a mined transaction that reverted), when the node does not answer as a node
    /// does, or when no receipt comes within `timeout` (the transaction may still be mined: its
    /// hash is in the error).
    public func send(to: Address?, data: [UInt8], timeout: Duration = .seconds(60)) async throws -> Receipt {
        let from = address.description
        if let to, !data.isEmpty {
            // Calling an address with no code succeeds and does nothing: almost surely a wrong address.
            let code = try await rpc.call("eth_getCode", [.string(to.description), "latest"])
            guard let hex = code.stringValue, hex.hasPrefix("0x") else { throw ChainError.malformed("eth_getCode answered \(String(describing: code).prefix(120))") }
            guard hex.count > 2 else { throw ChainError.transport("no contract at \(to) on this chain; nothing was sent") }
        }
        let chain = try await chainId()
        let nonce = try Self.quantity64(try await rpc.call("eth_getTransactionCount", [.string(from), "pending"]), "eth_getTransactionCount")
        let tip = try Self.quantity(try await rpc.call("eth_maxPriorityFeePerGas", []), "eth_maxPriorityFeePerGas")
        let block = try await rpc.call("eth_getBlockByNumber", ["latest", .bool(false)])
        let baseFee = try Self.quantity(block["baseFeePerGas"] ?? .null, "the latest block's baseFeePerGas")
        var call: JSONValue = ["from": .string(from), "data": .string(Hex.encode(data))]
        if let to { call = ["from": .string(from), "to": .string(to.description), "data": .string(Hex.encode(data))] }
        let estimate: UInt64
        do {
            estimate = try Self.quantity64(try await rpc.call("eth_estimateGas", [call]), "eth_estimateGas")
        } catch let e as ChainError where e.rpcCode == 3 || e.rpcData != nil {
            let reason = ABI.revertReason(e.rpcData.flatMap { Hex.decode($0) } ?? [])
            throw ChainError.reverted(reason.isEmpty ? "the contract refuses the call (\(e))" : reason)
        }
        // 20% above the estimate, as wallets add, bounded by what a block can hold.
        let (scaled, over) = estimate.multipliedReportingOverflow(by: 6)
        guard !over, estimate <= 60_000_000 else { throw ChainError.malformed("eth_estimateGas answered \(estimate) gas") }
        let tx = EIP1559Transaction(chainId: chain, nonce: nonce, maxPriorityFeePerGas: tip, maxFeePerGas: 2 * baseFee + tip,
                                    gasLimit: scaled / 5 + 10_000, to: to, data: data)
        let signed = try tx.signed(with: key)
        let answered = try await rpc.call("eth_sendRawTransaction", [.string(signed.rawHex)])
        guard answered.stringValue?.lowercased() == signed.hash.description else {
            throw ChainError.malformed("eth_sendRawTransaction answered \(String(describing: answered).prefix(120)), not \(signed.hash)")
        }
        let deadline = ContinuousClock.now + timeout
        while true {
            let receipt = try await rpc.call("eth_getTransactionReceipt", [.string(signed.hash.description)])
            if receipt != .null { return try Receipt(json: receipt, of: signed.hash) }
            guard ContinuousClock.now < deadline else {
                throw ChainError.transport("transaction \(signed.hash) sent, but no receipt within \(timeout); it may still be mined")
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    static func quantity(_ v: JSONValue, _ what: String) throws(ChainError) -> BigUInt {
        guard let s = v.stringValue, s.hasPrefix("0x"), s.count <= 66, s.count > 2, let n = BigUInt(String(s.dropFirst(2)), radix: 16) else {
            throw ChainError.malformed("\(what) answered \(String(describing: v).prefix(120)), not a quantity")
        }
        return n
    }

    static func quantity64(_ v: JSONValue, _ what: String) throws(ChainError) -> UInt64 {
        let n = try quantity(v, what)
        guard n <= BigUInt(UInt64.max) else { throw ChainError.malformed("\(what) answered \(n), beyond 64 bits") }
        return UInt64(n)
    }
}
