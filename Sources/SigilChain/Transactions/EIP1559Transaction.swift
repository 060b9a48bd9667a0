import Foundation
public import BigInt
public import SigilCore

/// A type-2 (EIP-1559) transaction, signed with a local key for `eth_sendRawTransaction`.
public struct EIP1559Transaction: Sendable, Hashable {
    public var chainId: UInt64
    public var nonce: UInt64
    public var maxPriorityFeePerGas: BigUInt
    public var maxFeePerGas: BigUInt
    public var gasLimit: UInt64
    /// nil: a contract creation.
    public var to: Address?
    public var value: BigUInt
    public var data: [UInt8]

    public init(chainId: UInt64, nonce: UInt64, maxPriorityFeePerGas: BigUInt, maxFeePerGas: BigUInt, gasLimit: UInt64,
                to: Address?, value: BigUInt = 0, data: [UInt8] = []) {
        self.chainId = chainId
        self.nonce = nonce
        self.maxPriorityFeePerGas = maxPriorityFeePerGas
        self.maxFeePerGas = maxFeePerGas
        self.gasLimit = gasLimit
        self.to = to
        self.value = value
        self.data = data
    }

    /// A signed transaction: the raw bytes to send and the transaction hash.
    public struct Signed: Sendable, Hashable {
        public let raw: [UInt8]
        public let hash: Hash32
        public var rawHex: String { Hex.encode(raw) }
    }

    var fields: [RLP.Item] {
        [.uint(chainId), .uint(nonce), .uint(maxPriorityFeePerGas), .uint(maxFeePerGas), .uint(gasLimit),
         .bytes(to.map(\.bytes) ?? []), .uint(value), .bytes(data), .list([])]  // no access list
    }

    /// keccak256(0x02 ‖ rlp(fields)): what the sender signs.
    public var signingHash: [UInt8] { Keccak256.hash([0x02] + RLP.encode(.list(fields))) }

    public func signed(with key: PrivateKey) throws(ChainError) -> Signed {
        let sig = try key.sign(digest: signingHash)
        let r = BigUInt(Data(sig.r)), s = BigUInt(Data(sig.s))
        let raw = [0x02] + RLP.encode(.list(fields + [.uint(UInt64(sig.recoveryID)), .uint(r), .uint(s)]))
        return Signed(raw: raw, hash: Hash32(bytes: Keccak256.hash(raw))!)
    }
}
