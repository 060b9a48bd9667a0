import Crypto
import CryptoExtras
public import Foundation
import SigilCore

/// An Ethereum V3 keystore (the JSON file geth, eth-account and wallets exchange): the private key
/// encrypted with AES-128-CTR under a key derived from a password by scrypt or PBKDF2-HMAC-SHA256,
/// with a Keccak-256 MAC that detects a wrong password before anything is used.
public enum Keystore {
    /// How the encryption key is derived from the password.
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

    /// Decrypts a V3 keystore. A wrong password (MAC mismatch), an unsupported cipher or KDF,
    /// or a malformed file is a `ChainError` that says which.
    public static func decrypt(_ json: Data, password: String) throws(ChainError) -> PrivateKey {
        guard let obj = (try? JSONSerialization.jsonObject(with: json)) as? [String: Any] else {
            throw ChainError(.key("the keystore is not a JSON object"))
        }
        guard (obj["version"] as? NSNumber)?.intValue == 3 else { throw ChainError(.key("not a version 3 keystore")) }
        guard let crypto = (obj["crypto"] ?? obj["Crypto"]) as? [String: Any] else { throw ChainError(.key("the keystore has no crypto section")) }
        guard crypto["cipher"] as? String == "aes-128-ctr" else {
            throw ChainError(.key("unsupported cipher \(crypto["cipher"] ?? "none"); only aes-128-ctr"))
        }
        func hex(_ v: Any?, _ what: String) throws(ChainError) -> [UInt8] {
            guard let s = v as? String, let b = Hex.decode(s.hasPrefix("0x") ? s : "0x" + s) else { throw ChainError(.key("\(what) is not hex")) }
            return b
        }
        func int(_ v: Any?, _ what: String) throws(ChainError) -> Int {
            guard let n = v as? NSNumber, n.intValue > 0 else { throw ChainError(.key("\(what) is not a positive number")) }
            return n.intValue
        }
        let iv = try hex((crypto["cipherparams"] as? [String: Any])?["iv"], "cipherparams.iv")
        let ciphertext = try hex(crypto["ciphertext"], "ciphertext")
        let mac = try hex(crypto["mac"], "mac")
        guard let params = crypto["kdfparams"] as? [String: Any] else { throw ChainError(.key("the keystore has no kdfparams")) }
        let salt = try hex(params["salt"], "kdfparams.salt")
        let dklen = try int(params["dklen"], "kdfparams.dklen")
        guard dklen >= 32, iv.count == 16 else { throw ChainError(.key("dklen must be at least 32 and the iv 16 bytes")) }
        let kdf: KDF
        switch crypto["kdf"] as? String {
        case "scrypt": kdf = .scrypt(n: try int(params["n"], "kdfparams.n"), r: try int(params["r"], "kdfparams.r"), p: try int(params["p"], "kdfparams.p"))
        case "pbkdf2":
            guard params["prf"] as? String == "hmac-sha256" else { throw ChainError(.key("unsupported pbkdf2 prf \(params["prf"] ?? "none")")) }
            kdf = .pbkdf2(iterations: try int(params["c"], "kdfparams.c"))
        default: throw ChainError(.key("unsupported kdf \(crypto["kdf"] ?? "none"); scrypt or pbkdf2"))
        }
        let derived = try derive(password: password, salt: salt, kdf: kdf, length: dklen)
        guard Keccak256.hash(Array(derived[16..<32]) + ciphertext) == mac else {
            throw ChainError(.key("wrong password (the keystore's MAC does not match)"))
        }
        let key = try PrivateKey(bytes: try aesCTR(key: Array(derived[0..<16]), iv: iv, ciphertext))
        if let stored = obj["address"] as? String, let a = Address(hex: stored.hasPrefix("0x") ? stored : "0x" + stored), a != key.address {
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
