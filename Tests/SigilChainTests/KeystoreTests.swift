import BigInt
import Foundation
import SigilChain
import SigilCore
import SigilTestSupport
import Testing

@Suite struct KeystoreTests {
    static func tempDir() throws -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("sigil-ks-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    @Test func keystoresOpenBothWaysWithEthAccount() async throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // eth-account writes, Sigil reads (scrypt and pbkdf2)
        let theirs = try await Peers.oracle(["keystores", dir, "--count", "8", "--seed", "4"])
        #expect(theirs.count == 8)
        for c in theirs {
            let key = try Keystore.decrypt(try Data(contentsOf: URL(fileURLWithPath: c["path"] as! String)), password: c["password"] as! String)
            #expect(Hex.encode(key.secretBytes) == c["key"] as! String)
            #expect(key.address.description == c["address"] as! String)
        }
        // Sigil writes, eth-account reads
        var passwords: [String: String] = [:]
        var keys: [String: PrivateKey] = [:]
        for i in 0..<6 {
            let key = try PrivateKey(bytes: (0..<32).map { _ in UInt8.random(in: 0...255) })
            let password = i == 0 ? "" : "pässwörd \(i) \(UUID().uuidString)"
            let kdf: Keystore.KDF = i % 2 == 0 ? .scrypt(n: 1 << 10, r: 8, p: 1) : .pbkdf2(iterations: 1_000)
            let name = "sigil-\(i).json"
            try Keystore.encrypt(key, password: password, kdf: kdf).write(to: URL(fileURLWithPath: dir + "/" + name))
            passwords[name] = password
            keys[name] = key
        }
        try JSONSerialization.data(withJSONObject: passwords).write(to: URL(fileURLWithPath: dir + "/passwords.json"))
        let read = try await Peers.oracle(["keystore-read", dir])
        #expect(read.count == 6)
        for r in read {
            let key = try #require(keys[r["name"] as! String])
            #expect(r["key"] as! String == Hex.encode(key.secretBytes))
            #expect(r["address"] as! String == key.address.description)
        }
    }

    @Test func aWrongPasswordOrATamperedFileIsRefusedWithTheReason() throws {
        let key = try PrivateKey(bytes: [UInt8](repeating: 7, count: 32))
        let data = try Keystore.encrypt(key, password: "right", kdf: .pbkdf2(iterations: 100))
        #expect(try Keystore.decrypt(data, password: "right").address == key.address)
        #expect { try Keystore.decrypt(data, password: "wrong") } throws: { "\($0)".contains("wrong password") }
        var obj = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        obj["address"] = String(repeating: "11", count: 20)
        let lying = try JSONSerialization.data(withJSONObject: obj)
        #expect { try Keystore.decrypt(lying, password: "right") } throws: { "\($0)".contains("names address") }
        var crypto = obj["crypto"] as! [String: Any]
        crypto["cipher"] = "aes-256-gcm"
        obj["crypto"] = crypto
        #expect { try Keystore.decrypt(try JSONSerialization.data(withJSONObject: obj), password: "right") } throws: { "\($0)".contains("unsupported cipher") }
        #expect { try Keystore.decrypt(Data("{}".utf8), password: "x") } throws: { "\($0)".contains("version 3") }
    }
}

@Suite struct TransactionTests {
    @Test func eip1559SigningIsByteIdenticalToEthAccount() async throws {
        let cases = try await Peers.oracle(["tx1559", "--count", "300", "--seed", "8"])
        #expect(cases.count == 300)
        for c in cases {
            let t = c["tx"] as! [String: Any]
            let to = t["to"] as! String
            let tx = EIP1559Transaction(
                chainId: (t["chainId"] as! NSNumber).uint64Value, nonce: (t["nonce"] as! NSNumber).uint64Value,
                maxPriorityFeePerGas: BigUInt(t["maxPriorityFeePerGas"] as! String)!, maxFeePerGas: BigUInt(t["maxFeePerGas"] as! String)!,
                gasLimit: (t["gas"] as! NSNumber).uint64Value, to: to.isEmpty ? nil : Address(hex: to)!,
                value: BigUInt(t["value"] as! String)!, data: Hex.decode(t["data"] as! String)!)
            let signed = try tx.signed(with: try PrivateKey(bytes: Hex.decode(c["key"] as! String)!))
            #expect(signed.rawHex == c["raw"] as! String)
            #expect(signed.hash.description == c["hash"] as! String)
        }
    }

    @Test func aSignedTransactionIsMinedByTheDevnet() async throws {
        let devnet = try await DevnetProcess(seed: 12)
        let rpc = HTTPRPCClient(url: devnet.httpURL)
        let key = try PrivateKey(bytes: [UInt8](repeating: 0, count: 31) + [3])  // a funded development account
        let nonce = Hex.quantity(try await rpc.call("eth_getTransactionCount", [.string("\(key.address)"), "pending"]).stringValue!)!
        let to = Address(hex: "0x" + String(repeating: "42", count: 20))!
        let tx = EIP1559Transaction(chainId: devnet.chainId, nonce: nonce, maxPriorityFeePerGas: 1_000_000_000,
                                    maxFeePerGas: 100_000_000_000, gasLimit: 21_000, to: to, value: 12_345)
        let signed = try tx.signed(with: key)
        let hash = try await rpc.call("eth_sendRawTransaction", [.string(signed.rawHex)])
        #expect(hash.stringValue == signed.hash.description)
        let receipt = try await rpc.call("eth_getTransactionReceipt", [.string(signed.hash.description)])
        #expect(receipt["status"]?.stringValue == "0x1")
        let balance = try await rpc.call("eth_getBalance", [.string("\(to)"), "latest"])
        #expect(balance.stringValue == Hex.quantity(12_345))
    }
}
