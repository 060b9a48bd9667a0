import ArgumentParser
import Foundation
import SigilChain
import SigilCore
import SigilModels

/// The node, key and limits every registry write uses.
struct RegistryWriteOptions: ParsableArguments {
    @Option(help: "JSON-RPC endpoint (http:// or https://) of the chain holding the registry.")
    var rpc: String

    @Option(help: "The keystore of the account that signs (the owner, or an authorised publisher).")
    var keystore: String

    @OptionGroup var password: KeyCommand.PasswordOptions

    @Option(help: "Refuse to sign unless the node's chain id is this one.")
    var chainId: UInt64?

    @Option(help: "Seconds to wait for the transaction's receipt.")
    var timeout: Double = 120

    func validate() throws {
        guard rpc.hasPrefix("http://") || rpc.hasPrefix("https://") else { throw ValidationError("--rpc \(rpc) is not an http(s) URL") }
        guard timeout.isFinite, timeout >= 1, timeout <= 3_600 else { throw ValidationError("--timeout must be 1…3600 seconds") }
    }

    var receiptTimeout: Duration { .milliseconds(Int64(timeout * 1_000)) }

    /// The node and the decrypted key, after checking the chain id when one was given.
    func open(_ command: String) async throws -> (rpc: HTTPRPCClient, key: PrivateKey) {
        let key: PrivateKey
        do { key = try KeystoreFile.open(keystore, password: try password.source()) } catch {
            throw RegistryWriteOptions.fail(command, "\(error)", status: 2)
        }
        let client = HTTPRPCClient(url: rpc)
        if let chainId {
            let actual: UInt64
            do { actual = try await TransactionSender(rpc: client, key: key).chainId() } catch {
                throw RegistryWriteOptions.fail(command, "the node at \(rpc) did not give its chain id: \(error)", status: 2)
            }
            guard actual == chainId else {
                throw RegistryWriteOptions.fail(command, "the node at \(rpc) is on chain \(actual), not \(chainId); nothing was signed", status: 2)
            }
        }
        return (client, key)
    }

    /// Prints `message` for `command` on stderr and gives the exit status: 1 when the registry
    /// refused the transaction, 2 when it could not be made or confirmed.
    static func fail(_ command: String, _ error: any Error) -> ExitCode {
        fail(command, "\(error)", status: (error as? ChainError)?.isRevert == true ? 1 : 2)
    }

    static func fail(_ command: String, _ message: String, status: Int32) -> ExitCode {
        FileHandle.standardError.write(Data("sigil registry \(command): \(TerminalText.escaped(message))\n".utf8))
        return ExitCode(status)
    }
}

extension RegistryCommand {
    static let writeDiscussion = """
        Signs an EIP-1559 transaction with the keystore's key, sends it and waits for its receipt. \
        Exit status: 0 done, 1 the registry refused it (the reason is printed; nothing is sent \
        when the refusal shows at the gas estimate), 2 it could not be made or confirmed \
        (keystore, node, timeout).
        """

    struct Deploy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Deploy a new ModelRegistry (contracts/ModelRegistry.vy, built into sigil) owned by the keystore's account.",
            discussion: RegistryCommand.writeDiscussion)

        @OptionGroup var write: RegistryWriteOptions

        func run() async throws {
            let (rpc, key) = try await write.open("deploy")
            let d: RegistryOwner.Deployed
            do { d = try await RegistryOwner.deploy(rpc: rpc, key: key, timeout: write.receiptTimeout) } catch {
                throw RegistryWriteOptions.fail("deploy", error)
            }
            print("ModelRegistry deployed at \(d.registry)")
            print("  owner \(d.owner), transaction \(d.transactionHash), block \(d.blockNumber)")
        }
    }

    /// The publisher, the registry, and how to sign: what authorize and revoke share.
    struct PublisherChange: ParsableArguments {
        @Argument(help: "The publisher's address.")
        var publisher: Address

        @Option(help: "Address of the ModelRegistry contract.")
        var registry: Address

        @OptionGroup var write: RegistryWriteOptions

        func apply(authorised: Bool) async throws {
            let command = authorised ? "authorize" : "revoke"
            let (rpc, key) = try await write.open(command)
            let changed: RegistryOwner.Changed
            do {
                changed = try await RegistryOwner(rpc: rpc, registry: registry, key: key)
                    .setPublisher(publisher, authorised: authorised, timeout: write.receiptTimeout)
            } catch {
                throw RegistryWriteOptions.fail(command, error)
            }
            print("\(publisher) \(authorised ? "may now publish" : "may no longer publish") to \(registry)")
            print("  transaction \(changed.transactionHash), block \(changed.blockNumber)")
        }
    }

    struct Authorize: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Authorise an address to publish model versions (the registry's owner only).",
            discussion: RegistryCommand.writeDiscussion)

        @OptionGroup var change: PublisherChange

        func run() async throws { try await change.apply(authorised: true) }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Withdraw an address's right to publish (the registry's owner only); its versions stay.",
            discussion: RegistryCommand.writeDiscussion)

        @OptionGroup var change: PublisherChange

        func run() async throws { try await change.apply(authorised: false) }
    }

    struct Publish: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Hash a weights file and record it as a model's next version (an authorised publisher only).",
            discussion: RegistryCommand.writeDiscussion + """
                 A file:// or path URI that names a local file must hold the same bytes as FILE.
                """)

        @Argument(help: "Model id: a name (hashed with keccak256) or 0x + 64 hex digits.")
        var model: String

        @Argument(help: "The weights file (.safetensors) whose SHA-256 is recorded.")
        var file: String

        @Option(help: "Where bots fetch the weights: a path, file://…, or http(s)://… (at most 512 bytes).")
        var uri: String

        @Option(help: "The address the version credits (default: the publisher's own).")
        var contributor: Address?

        @Option(help: "Address of the ModelRegistry contract.")
        var registry: Address

        @OptionGroup var write: RegistryWriteOptions

        /// The registry's limit on a uri (`MAX_URI` in contracts/ModelRegistry.vy).
        static let maxURIBytes = 512

        func validate() throws {
            guard !uri.isEmpty, uri.utf8.count <= Self.maxURIBytes else {
                throw ValidationError("--uri must be 1…\(Self.maxURIBytes) bytes (it is \(uri.utf8.count))")
            }
        }

        func run() async throws {
            let hash: Hash32
            do { hash = try ModelHash.sha256(fileAt: file) } catch {
                throw RegistryWriteOptions.fail("publish", "\(file): \(error)", status: 2)
            }
            let local = uri.hasPrefix("file://") ? String(uri.dropFirst(7)) : (uri.contains("://") ? nil : uri)
            if let local, local != file {
                let there: Hash32
                do { there = try ModelHash.sha256(fileAt: local) } catch {
                    throw RegistryWriteOptions.fail("publish", "--uri names \(local), which cannot be read: \(error)", status: 2)
                }
                guard there == hash else {
                    throw RegistryWriteOptions.fail("publish", "--uri names \(local), whose sha256 \(there) is not \(file)'s \(hash); bots would refuse it", status: 2)
                }
            }
            let (rpc, key) = try await write.open("publish")
            let id = ModelID.parse(model)
            let published: RegistryPublisher.Published
            do {
                published = try await RegistryPublisher(rpc: rpc, registry: registry, key: key)
                    .publish(model: id, weightsHash: hash, uri: uri, contributor: contributor ?? key.address, timeout: write.receiptTimeout)
            } catch {
                throw RegistryWriteOptions.fail("publish", error)
            }
            let e = published.entry
            print("\(model) version \(e.version) published to \(registry)")
            print("  sha256 \(e.weightsHash)")
            print("  uri \(TerminalText.escaped(e.uri))")
            print("  publisher \(e.publisher), contributor \(e.contributor)")
            print("  transaction \(published.transactionHash), block \(published.blockNumber)")
        }
    }
}
