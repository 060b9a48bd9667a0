import CSecp256k1
public import SigilCore

/// A secp256k1 private key. Its bytes never appear in `description`, logs or errors.
public struct PrivateKey: Sendable, CustomStringConvertible {
    private let secret: [UInt8]

    /// A new key from the system's random number generator (drawn again in the negligible case
    /// of a value that is not a valid key).
    public static func random() -> PrivateKey {
        var rng = SystemRandomNumberGenerator()
        var bytes = [UInt8](repeating: 0, count: 32)
        while true {
            for i in bytes.indices { bytes[i] = rng.next() }
            if let key = try? PrivateKey(bytes: bytes) { return key }
        }
    }

    /// A key from its 32 big-endian bytes; rejects zero and values not below the curve order.
    public init(bytes: [UInt8]) throws(ChainError) {
        guard bytes.count == 32 else { throw ChainError(.key("a private key is 32 bytes")) }
        let ok = bytes.withUnsafeBufferPointer { secp256k1_ec_seckey_verify(Secp256k1Context.shared.raw, $0.baseAddress!) }
        guard ok == 1 else { throw ChainError(.key("not a valid secp256k1 private key")) }
        secret = bytes
    }

    /// The 32 bytes, for writing a keystore. Handle with care.
    public var secretBytes: [UInt8] { secret }

    /// The 64-byte uncompressed public key (x ‖ y), without the 0x04 prefix.
    public var publicKey: [UInt8] {
        let ctx = Secp256k1Context.shared.raw
        var pubkey = secp256k1_pubkey()
        _ = secret.withUnsafeBufferPointer { secp256k1_ec_pubkey_create(ctx, &pubkey, $0.baseAddress!) }
        return Self.serialize(pubkey)
    }

    /// The Ethereum address: the last 20 bytes of keccak256(public key).
    public var address: Address { Self.address(ofPublicKey: publicKey) }

    /// Signs a 32-byte digest (RFC 6979 nonce, low-s), recoverably.
    public func sign(digest: [UInt8]) throws(ChainError) -> RecoverableSignature {
        guard digest.count == 32 else { throw ChainError(.key("a digest is 32 bytes")) }
        let ctx = Secp256k1Context.shared.raw
        var sig = secp256k1_ecdsa_recoverable_signature()
        let ok = secret.withUnsafeBufferPointer { key in
            digest.withUnsafeBufferPointer { d in
                secp256k1_ecdsa_sign_recoverable(ctx, &sig, d.baseAddress!, key.baseAddress!, nil, nil)
            }
        }
        guard ok == 1 else { throw ChainError(.key("signing failed")) }
        var compact = [UInt8](repeating: 0, count: 64)
        var recid: Int32 = 0
        _ = secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx, &compact, &recid, &sig)
        return RecoverableSignature(r: Array(compact[0..<32]), s: Array(compact[32..<64]), recoveryID: UInt8(recid))
    }

    public var description: String { "PrivateKey(\(address), secret redacted)" }

    static func serialize(_ pubkey: secp256k1_pubkey) -> [UInt8] {
        var key = pubkey
        var out = [UInt8](repeating: 0, count: 65)
        var len = 65
        _ = secp256k1_ec_pubkey_serialize(Secp256k1Context.shared.raw, &out, &len, &key, UInt32(SECP256K1_EC_UNCOMPRESSED))
        return Array(out[1..<65])
    }

    static func address(ofPublicKey key: [UInt8]) -> Address {
        Address(bytes: Keccak256.hash(key).suffix(20))!
    }
}

/// An ECDSA signature with its recovery id, as Ethereum uses it.
public struct RecoverableSignature: Hashable, Sendable {
    public let r: [UInt8]
    public let s: [UInt8]
    /// 0 or 1.
    public let recoveryID: UInt8

    public init(r: [UInt8], s: [UInt8], recoveryID: UInt8) {
        self.r = r
        self.s = s
        self.recoveryID = recoveryID
    }

    /// The 65-byte `r ‖ s ‖ v` form with v = 27 + recovery id (EIP-191 / personal_sign).
    public var bytes: [UInt8] { r + s + [27 + recoveryID] }

    /// Parses the 65-byte form (v of 0/1 or 27/28).
    public init(bytes: [UInt8]) throws(ChainError) {
        guard bytes.count == 65 else { throw ChainError(.key("a signature is 65 bytes")) }
        let v = bytes[64]
        guard v == 0 || v == 1 || v == 27 || v == 28 else { throw ChainError(.key("signature v must be 0, 1, 27 or 28")) }
        self.init(r: Array(bytes[0..<32]), s: Array(bytes[32..<64]), recoveryID: v >= 27 ? v - 27 : v)
    }

    /// The address whose key made this signature over `digest`.
    public func recoverAddress(digest: [UInt8]) throws(ChainError) -> Address {
        guard digest.count == 32 else { throw ChainError(.key("a digest is 32 bytes")) }
        let ctx = Secp256k1Context.shared.raw
        var sig = secp256k1_ecdsa_recoverable_signature()
        let compact = r + s
        guard secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &sig, compact, Int32(recoveryID)) == 1 else {
            throw ChainError(.key("malformed signature"))
        }
        var pubkey = secp256k1_pubkey()
        let ok = digest.withUnsafeBufferPointer { secp256k1_ecdsa_recover(ctx, &pubkey, &sig, $0.baseAddress!) }
        guard ok == 1 else { throw ChainError(.key("no public key recovers from this signature")) }
        return PrivateKey.address(ofPublicKey: PrivateKey.serialize(pubkey))
    }
}

/// EIP-191 version 0x45 ("personal_sign") messages.
public enum PersonalMessage {
    /// keccak256("\u{19}Ethereum Signed Message:\n" + len(message) + message)
    public static func digest(_ message: [UInt8]) -> [UInt8] {
        Keccak256.hash(Array("\u{19}Ethereum Signed Message:\n\(message.count)".utf8) + message)
    }

    public static func sign(_ message: [UInt8], with key: PrivateKey) throws(ChainError) -> RecoverableSignature {
        try key.sign(digest: digest(message))
    }

    public static func signer(of message: [UInt8], signature: RecoverableSignature) throws(ChainError) -> Address {
        try signature.recoverAddress(digest: digest(message))
    }
}
