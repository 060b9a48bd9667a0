import Foundation
import Glibc
import SigilChain
import SigilCore
import SigilTestSupport
import Testing

/// The registry's writes against the devnet: a ModelRegistry deployed from the creation code
/// built into sigil, publishers authorised and revoked by the owner only, versions published
/// and read back; refusals come back as reverts before anything is sent. Receipts and private
/// key files, both outside input, are fuzzed and probed with hostile cases.
@Suite struct RegistryWriteTests {
    static func key(_ n: UInt8) throws -> PrivateKey { try PrivateKey(bytes: [UInt8](repeating: 0, count: 31) + [n]) }

    static func nonce(_ rpc: HTTPRPCClient, _ a: Address) async throws -> UInt64 {
        Hex.quantity(try await rpc.call("eth_getTransactionCount", [.string(a.description), "latest"]).stringValue ?? "") ?? .max
    }

    @Test func deployAuthorisePublishRevokeOnTheDevnet() async throws {
        let devnet = try await DevnetProcess(seed: 31)
        let rpc = HTTPRPCClient(url: devnet.httpURL)
        let owner = try Self.key(1), publisher = try Self.key(2)
        let deployed = try await RegistryOwner.deploy(rpc: rpc, key: owner)
        #expect(deployed.owner == owner.address && deployed.blockNumber >= 1)
        let code = try await rpc.call("eth_getCode", [.string(deployed.registry.description), "latest"]).stringValue ?? ""
        #expect(code.count > 1_000, "the deployed registry has \(code.count / 2) bytes of code")

        let model = ModelID.parse("sigil/write-test")
        let hash = Hash32(bytes: [UInt8](repeating: 0x5a, count: 32))!
        let asPublisher = RegistryPublisher(rpc: rpc, registry: deployed.registry, key: publisher)
        await #expect { try await asPublisher.publish(model: model, weightsHash: hash, uri: "file://w", contributor: owner.address) } throws: {
            ($0 as? ChainError)?.isRevert == true && "\($0)".contains("not publisher")
        }
        let usurper = RegistryOwner(rpc: rpc, registry: deployed.registry, key: publisher)
        await #expect { try await usurper.setPublisher(publisher.address, authorised: true) } throws: {
            ($0 as? ChainError)?.isRevert == true && "\($0)".contains("not owner")
        }
        #expect(try await Self.nonce(rpc, publisher.address) == 0, "a refused call was sent")

        let asOwner = RegistryOwner(rpc: rpc, registry: deployed.registry, key: owner)
        _ = try await asOwner.setPublisher(publisher.address, authorised: true)
        let published = try await asPublisher.publish(model: model, weightsHash: hash, uri: "file://w", contributor: owner.address)
        #expect(published.entry.version == 1 && published.entry.publisher == publisher.address)
        let read = try await OnChainModelRegistry(rpc: rpc, address: deployed.registry).entry(model: model, version: .latest)
        #expect(read == published.entry)
        let second = try await asPublisher.publish(model: model, weightsHash: hash, uri: "file://w2", contributor: publisher.address)
        #expect(second.entry.version == 2 && second.blockNumber > published.blockNumber)

        _ = try await asOwner.setPublisher(publisher.address, authorised: false)
        let sent = try await Self.nonce(rpc, publisher.address)
        await #expect { try await asPublisher.publish(model: model, weightsHash: hash, uri: "file://w3", contributor: owner.address) } throws: {
            ($0 as? ChainError)?.isRevert == true
        }
        #expect(try await Self.nonce(rpc, publisher.address) == sent)
        // A registry address with no contract behind it would take the call and do nothing: refused unsent.
        let nowhere = RegistryOwner(rpc: rpc, registry: Address(hex: "0x" + String(repeating: "77", count: 20))!, key: owner)
        let ownerSent = try await Self.nonce(rpc, owner.address)
        await #expect { try await nowhere.setPublisher(publisher.address, authorised: true) } throws: { "\($0)".contains("no contract at") }
        #expect(try await Self.nonce(rpc, owner.address) == ownerSent)
    }

    /// Receipts from a node are outside input: real ones, mutated, end in a receipt or a typed
    /// error; a reverted one is a revert.
    @Test func receiptsFromANodeAreCheckedNotTrusted() async throws {
        let devnet = try await DevnetProcess(seed: 32)
        let rpc = HTTPRPCClient(url: devnet.httpURL)
        let deployed = try await RegistryOwner.deploy(rpc: rpc, key: try Self.key(1))
        let changed = try await RegistryOwner(rpc: rpc, registry: deployed.registry, key: try Self.key(1)).setPublisher(try Self.key(2).address, authorised: true)
        var corpus: [[UInt8]] = []
        for hash in [deployed.transactionHash, changed.transactionHash] {
            let r = try await rpc.call("eth_getTransactionReceipt", [.string(hash.description)])
            let parsed = try TransactionSender.Receipt(json: r, of: hash)
            #expect(parsed.blockNumber >= 1)
            corpus.append(Array(try JSONEncoder().encode(r)))
        }
        var reverted = try JSONDecoder().decode(JSONValue.self, from: Data(corpus[1]))
        if case .object(var o) = reverted { o["status"] = "0x0"; reverted = .object(o) }
        #expect { try TransactionSender.Receipt(json: reverted, of: changed.transactionHash) } throws: { ($0 as? ChainError)?.isRevert == true }

        let report = await Fuzz.run("receipts", corpus: corpus, cases: Fuzz.cases(default: 10_000)) { input in
            let json = try JSONDecoder().decode(JSONValue.self, from: Data(input))
            let r = try TransactionSender.Receipt(json: json, of: changed.transactionHash)
            #expect(r.logs.count <= input.count)
            return true
        }
        #expect(report.accepted > 0 && report.refused > 0)
    }

    /// `sigil key import`'s input: a raw key in a file only its owner reads. Every bad file is a
    /// clear error that never shows the key; none hangs.
    @Test func privateKeyFilesAreCheckedAndNeverEchoed() throws {
        let dir = try Fixtures.tempDir("sigil-pk")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let secret = String(repeating: "0", count: 63) + "7"
        func file(_ name: String, _ text: String, mode: Int = 0o600) throws -> String {
            let path = dir + "/" + name
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
            return path
        }
        for text in ["0x" + secret + "\n", secret, "0x" + secret + "\r\n", "  0x" + secret + " "] {
            #expect(try KeystoreFile.privateKey(fromFile: try file("good", text)).address == (try Self.key(7)).address, "\(text.debugDescription)")
        }
        // A password file written on Windows: its CRLF is a line break, not part of the password.
        #expect(try KeystoreFile.password(from: .file(try file("pw", "s3cret\r\n"))) == "s3cret")
        let order = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"
        let bad: [(String, String, Int, String)] = [
            ("open", "0x" + secret, 0o644, "chmod 600"),
            ("short", "0x" + secret.dropLast(2), 0o600, "64 hex digits"),
            ("long", "0x" + secret + "00", 0o600, "64 hex digits"),
            ("nonhex", "0x" + secret.dropLast() + "g", 0o600, "64 hex digits"),
            ("zero", "0x" + String(repeating: "0", count: 64), 0o600, "not a valid secp256k1 private key"),
            ("order", "0x" + order, 0o600, "not a valid secp256k1 private key"),
            ("two-lines", "0x" + secret + "\n0x" + secret + "\n", 0o600, "64 hex digits"),
            ("huge", String(repeating: "a", count: 1 << 20), 0o600, "private key file"),
        ]
        for (name, text, mode, reason) in bad {
            #expect { try KeystoreFile.privateKey(fromFile: try file(name, String(text), mode: mode)) } throws: {
                "\($0)".contains(reason) && !"\($0)".contains(secret)
            }
        }
        #expect(mkfifo(dir + "/fifo", 0o600) == 0)
        #expect { try KeystoreFile.privateKey(fromFile: dir + "/fifo") } throws: { "\($0)".contains("private key file") }
        #expect { try KeystoreFile.privateKey(fromFile: dir) } throws: { "\($0)".contains("private key file") }
        #expect { try KeystoreFile.privateKey(fromFile: dir + "/missing") } throws: { "\($0)".contains("cannot read the private key file") }
    }
}
