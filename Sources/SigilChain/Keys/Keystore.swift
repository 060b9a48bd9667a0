import Crypto
import CryptoExtras
public import Foundation
public import SigilCore

/// An Ethereum V3 keystore (the JSON file geth, eth-account and wallets exchange): the private key
/// encrypted with AES-128-CTR under a key derived from a password by scrypt or PBKDF2-HMAC-SHA256,
/// with a Keccak-256 MAC that detects a wrong password before anything is used.
public enum Keystore {
    /// How the encryption key is derived from the password.
    /// The key derivations `sigil key new` offers by name.
    public enum KDFPreset: String, Sendable, CaseIterable {
        /// geth's standard scrypt (n = 2^18).
        case scrypt
        /// scrypt n = 2^12 (geth's light).
        case light
        /// PBKDF2-HMAC-SHA256, 262,144 rounds.
        case pbkdf2

        public var kdf: KDF {
            switch self {
            case .scrypt: .standard
            case .light: .light
            case .pbkdf2: .pbkdf2(iterations: 262_144)
            }
        }
    }

    public enum KDF: Sendable, Hashable {
        /// scrypt with cost `n` (a power of two), block size `r`, parallelism `p`.
        case scrypt(n: Int, r: Int, p: Int)
        /// PBKDF2-HMAC-SHA256 with `iterations` rounds.
        case pbkdf2(iterations: Int)

        /// geth's and eth-account's default: scrypt n = 2^18, r = 8, p = 1 (about 256 MiB, a second).
        public static let standard = KDF.scrypt(n: 1 << 18, r: 8, p: 1)
        /// geth's "light" parameters: scrypt n = 2^12, r = 8, p = 6.
        public static let light = KDF.scrypt(n: 1 << 12, r: 8, p: 6)
    }

    /// Encrypts `key` under `password`; returns the keystore JSON (sorted keys).
    public static func encrypt(_ key: PrivateKey, password: String, kdf: KDF = .standard) throws(ChainError) -> Data {
        var salt = [UInt8](repeating: 0, count: 32), iv = [UInt8](repeating: 0, count: 16)
        var rng = SystemRandomNumberGenerator()
        for i in salt.indices { salt[i] = rng.next() }
        for i in iv.indices { iv[i] = rng.next() }
        let derived = try derive(password: password, salt: salt, kdf: kdf, length: 32)
        let ciphertext = try aesCTR(key: Array(derived[0..<16]), iv: iv, key.secretBytes)
        let mac = Keccak256.hash(Array(derived[16..<32]) + ciphertext)
        var kdfparams: [String: Any] = ["dklen": 32, "salt": Hex.encode(salt, prefix: false)]
        let kdfName: String
        switch kdf {
        case .scrypt(let n, let r, let p):
            kdfName = "scrypt"
            kdfparams["n"] = n
            kdfparams["r"] = r
            kdfparams["p"] = p
        case .pbkdf2(let iterations):
            kdfName = "pbkdf2"
            kdfparams["c"] = iterations
            kdfparams["prf"] = "hmac-sha256"
        }
        let obj: [String: Any] = [
            "address": Hex.encode(key.address.bytes, prefix: false),
            "crypto": [
                "cipher": "aes-128-ctr", "cipherparams": ["iv": Hex.encode(iv, prefix: false)],
                "ciphertext": Hex.encode(ciphertext, prefix: false), "kdf": kdfName, "kdfparams": kdfparams,
                "mac": Hex.encode(mac, prefix: false),
            ] as [String: Any],
            "id": UUID().uuidString.lowercased(),
            "version": 3,
        ]
        do {
            return try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys, .prettyPrinted])
        } catch {
            throw ChainError(.key("cannot write the keystore JSON: \(error)"))
        }
    }

    /// The largest keystore file read (a real one is under 1 KiB).
    public static let maxFileBytes = 64 << 10
    /// Bounds on the KDF parameters a keystore may ask for, checked before any derivation so a
    /// tampered file cannot make Sigil spend gigabytes or minutes: they admit what geth and
    /// eth-account write (scrypt n = 2^18 with r = 8, p = 1 or r = 1, p = 8; geth's light
    /// n = 2^12, r = 8, p = 6; PBKDF2 with c = 2^18 … 10^6) with room to spare.
    public enum Limits {
        /// scrypt memory, 128 · n · r bytes: 512 MiB (geth's standard needs 256 MiB).
        public static let scryptMemory = 512 << 20
        /// scrypt work, n · r · p: 2^22 (the standard settings are 2^21).
        public static let scryptWork = 1 << 22
        public static let scryptR = 1...32
        public static let scryptP = 1...16
        /// PBKDF2-HMAC-SHA256 rounds: ten times eth-account's default of 10^6.
        public static let pbkdf2Rounds = 1...10_000_000
        public static let dklen = 32...64
        public static let saltBytes = 1...1_024
    }

    /// A keystore's parts, checked for shape and bounds (nothing derived yet).
    public struct Parsed: Sendable {
        public var kdf: KDF
        public var salt: [UInt8]
        public var dklen: Int
        public var iv: [UInt8]
        public var ciphertext: [UInt8]
        public var mac: [UInt8]
        public var address: Address?
    }

    /// Reads a V3 keystore's JSON and checks every field and bound; derives nothing.
    public static func parse(_ json: Data) throws(ChainError) -> Parsed {
        guard json.count <= maxFileBytes else { throw ChainError(.key("the keystore is \(json.count) bytes; a keystore is under \(maxFileBytes)")) }
        guard let obj = (try? JSONSerialization.jsonObject(with: json)) as? [String: Any] else {
            throw ChainError(.key("the keystore is not a JSON object"))
        }
        guard (obj["version"] as? NSNumber)?.intValue == 3 else { throw ChainError(.key("not a version 3 keystore")) }
        guard let crypto = (obj["crypto"] ?? obj["Crypto"]) as? [String: Any] else { throw ChainError(.key("the keystore has no crypto section")) }
        guard crypto["cipher"] as? String == "aes-128-ctr" else {
            throw ChainError(.key("unsupported cipher \(TerminalText.escaped("\(crypto["cipher"] ?? "none")".prefix(64))); only aes-128-ctr"))
        }
        func hex(_ v: Any?, _ what: String) throws(ChainError) -> [UInt8] {
            guard let s = v as? String, s.utf8.count <= 4_096, let b = Hex.decode(s.hasPrefix("0x") ? s : "0x" + s) else {
                throw ChainError(.key("\(what) is not hex"))
            }
            return b
        }
        func int(_ v: Any?, _ what: String, _ range: ClosedRange<Int>) throws(ChainError) -> Int {
            guard let n = v as? NSNumber, String(cString: n.objCType) != "c", let i = Int(exactly: n.doubleValue), Double(i) == n.doubleValue,
                  n.stringValue.allSatisfy({ $0.isNumber })
            else { throw ChainError(.key("\(what) is not a whole number")) }
            guard range.contains(i) else { throw ChainError(.key("\(what) is \(i); Sigil accepts \(range.lowerBound)…\(range.upperBound)")) }
            return i
        }
        let iv = try hex((crypto["cipherparams"] as? [String: Any])?["iv"], "cipherparams.iv")
        let ciphertext = try hex(crypto["ciphertext"], "ciphertext")
        let mac = try hex(crypto["mac"], "mac")
        guard iv.count == 16 else { throw ChainError(.key("cipherparams.iv must be 16 bytes")) }
        guard ciphertext.count == 32 else { throw ChainError(.key("the ciphertext must be 32 bytes (one private key)")) }
        guard mac.count == 32 else { throw ChainError(.key("the mac must be 32 bytes")) }
        guard let params = crypto["kdfparams"] as? [String: Any] else { throw ChainError(.key("the keystore has no kdfparams")) }
        let salt = try hex(params["salt"], "kdfparams.salt")
        guard Limits.saltBytes.contains(salt.count) else { throw ChainError(.key("kdfparams.salt must be 1 to \(Limits.saltBytes.upperBound) bytes")) }
        let dklen = try int(params["dklen"], "kdfparams.dklen", Limits.dklen)
        let kdf: KDF
        switch crypto["kdf"] as? String {
        case "scrypt":
            let n = try int(params["n"], "kdfparams.n", 2...(1 << 30))
            guard n & (n - 1) == 0 else { throw ChainError(.key("kdfparams.n must be a power of two")) }
            let r = try int(params["r"], "kdfparams.r", Limits.scryptR)
            let p = try int(params["p"], "kdfparams.p", Limits.scryptP)
            guard 128 * n * r <= Limits.scryptMemory else {
                throw ChainError(.key("scrypt n = \(n), r = \(r) needs \(InputFile.bytes(128 * n * r)); Sigil allows at most \(InputFile.bytes(Limits.scryptMemory))"))
            }
            guard n * r * p <= Limits.scryptWork else {
                throw ChainError(.key("scrypt n · r · p = \(n * r * p) exceeds \(Limits.scryptWork); geth and eth-account write 2^21"))
            }
            kdf = .scrypt(n: n, r: r, p: p)
        case "pbkdf2":
            guard params["prf"] as? String == "hmac-sha256" else {
                throw ChainError(.key("unsupported pbkdf2 prf \(TerminalText.escaped("\(params["prf"] ?? "none")".prefix(64)))"))
            }
            kdf = .pbkdf2(iterations: try int(params["c"], "kdfparams.c", Limits.pbkdf2Rounds))
        default: throw ChainError(.key("unsupported kdf \(TerminalText.escaped("\(crypto["kdf"] ?? "none")".prefix(64))); scrypt or pbkdf2"))
        }
        var address: Address?
        if let stored = obj["address"] as? String {
            guard let a = Address(hex: stored.hasPrefix("0x") ? stored : "0x" + stored) else { throw ChainError(.key("the keystore's address is not 20 bytes of hex")) }
            address = a
        }
        return Parsed(kdf: kdf, salt: salt, dklen: dklen, iv: iv, ciphertext: ciphertext, mac: mac, address: address)
    }

    /// Decrypts a V3 keystore. A wrong password (MAC mismatch), an unsupported cipher or KDF,
    /// parameters beyond `Limits`, or a malformed file is a `ChainError` that says which.
    public static func decrypt(_ json: Data, password: String) throws(ChainError) -> PrivateKey {
        let k = try parse(json)
        let derived = try derive(password: password, salt: k.salt, kdf: k.kdf, length: k.dklen)
        guard Keccak256.hash(Array(derived[16..<32]) + k.ciphertext) == k.mac else {
            throw ChainError(.key("wrong password (the keystore's MAC does not match)"))
        }
        let key = try PrivateKey(bytes: try aesCTR(key: Array(derived[0..<16]), iv: k.iv, k.ciphertext))
        if let a = k.address, a != key.address {
            throw ChainError(.key("the keystore names address \(a) but holds the key of \(key.address)"))
        }
        return key
    }

    static func derive(password: String, salt: [UInt8], kdf: KDF, length: Int) throws(ChainError) -> [UInt8] {
        do {
            let key: SymmetricKey
            switch kdf {
            case .scrypt(let n, let r, let p):
                guard n > 1, n & (n - 1) == 0 else { throw ChainError(.key("scrypt n must be a power of two")) }
                key = try CryptoExtras.KDF.Scrypt.deriveKey(from: Array(password.utf8), salt: salt, outputByteCount: length, rounds: n,
                                                            blockSize: r, parallelism: p, maxMemory: 128 * n * r * p + (1 << 20))
            case .pbkdf2(let iterations):
                key = try CryptoExtras.KDF.Insecure.PBKDF2.deriveKey(from: Array(password.utf8), salt: salt, using: .sha256,
                                                                     outputByteCount: length, unsafeUncheckedRounds: iterations)
            }
            return key.withUnsafeBytes { Array($0) }
        } catch let e as ChainError {
            throw e
        } catch {
            throw ChainError(.key("key derivation failed: \(error)"))
        }
    }

    static func aesCTR(key: [UInt8], iv: [UInt8], _ data: [UInt8]) throws(ChainError) -> [UInt8] {
        do {
            let out = try AES._CTR.encrypt(data, using: SymmetricKey(data: key), nonce: try AES._CTR.Nonce(nonceBytes: iv))
            return Array(out)
        } catch {
            throw ChainError(.key("AES-128-CTR failed: \(error)"))
        }
    }
}
