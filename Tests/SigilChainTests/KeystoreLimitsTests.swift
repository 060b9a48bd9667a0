import Foundation
import SigilChain
import SigilCore
import Testing

/// A keystore's KDF parameters come from the file: tampered ones are refused before any
/// derivation (they asked for 8 GB and minutes), while what geth and eth-account write opens.
@Suite struct KeystoreLimitsTests {
    static func keystore(_ kdf: String, _ params: [String: Any]) throws -> Data {
        var p = params
        p["dklen"] = p["dklen"] ?? 32
        p["salt"] = p["salt"] ?? String(repeating: "ab", count: 32)
        let obj: [String: Any] = [
            "version": 3, "address": String(repeating: "1", count: 40),
            "crypto": ["cipher": "aes-128-ctr", "cipherparams": ["iv": String(repeating: "0", count: 32)],
                       "ciphertext": String(repeating: "2", count: 64), "kdf": kdf, "kdfparams": p,
                       "mac": String(repeating: "3", count: 64)] as [String: Any],
        ]
        return try JSONSerialization.data(withJSONObject: obj)
    }

    @Test func tamperedKDFParametersAreRefusedAtOnce() throws {
        let hostile: [(String, [String: Any], String)] = [
            ("scrypt", ["n": 1 << 20, "r": 64, "p": 1], "kdfparams.r is 64"),
            ("scrypt", ["n": 1 << 22, "r": 8, "p": 1], "needs 4 GiB"),
            ("scrypt", ["n": 1 << 18, "r": 8, "p": 16], "exceeds"),
            ("scrypt", ["n": 3, "r": 8, "p": 1], "power of two"),
            ("scrypt", ["n": 1 << 18, "r": 8, "p": 1, "dklen": 1 << 30], "kdfparams.dklen"),
            ("scrypt", ["n": 1.5, "r": 8, "p": 1], "not a whole number"),
            ("scrypt", ["n": -1024, "r": 8, "p": 1], "not a whole number"),
            ("pbkdf2", ["c": 1 << 31, "prf": "hmac-sha256"], "kdfparams.c is 2147483648"),
            ("pbkdf2", ["c": 262_144, "prf": "hmac-sha256", "salt": String(repeating: "ab", count: 4_000)], "kdfparams.salt"),
        ]
        // Refused by the parser, before a key is derived: "at once" whatever the machine's speed
        // (decrypting goes through the same parse first, so it refuses the same way).
        for (kdf, params, why) in hostile {
            #expect { try Keystore.parse(try Self.keystore(kdf, params)) } throws: { "\($0)".contains(why) }
            #expect { try Keystore.decrypt(try Self.keystore(kdf, params), password: "x") } throws: { "\($0)".contains(why) }
        }
        // What the field writes is within bounds (the MAC fails: the keystore is made up).
        for (kdf, params) in [("scrypt", ["n": 1 << 18, "r": 8, "p": 1]), ("scrypt", ["n": 1 << 18, "r": 1, "p": 8]),
                              ("scrypt", ["n": 1 << 12, "r": 8, "p": 6]), ("pbkdf2", ["c": 1_000_000, "prf": "hmac-sha256"])] as [(String, [String: Any])] {
            let parsed = try Keystore.parse(try Self.keystore(kdf, params))
            #expect(parsed.dklen == 32)
        }
        #expect { try Keystore.parse(Data(repeating: 0x20, count: Keystore.maxFileBytes + 1)) } throws: { "\($0)".contains("a keystore is under") }
    }
}
