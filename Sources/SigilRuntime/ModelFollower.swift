import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import Foundation
public import Logging
public import SigilChain
public import SigilCore
public import SigilModels

/// Follows the on-chain registry for the models a configuration takes at `version: latest`:
/// every `interval` it reads each model's version count; for each new version it fetches the
/// weights from the published uri (a file path, `file://`, or `http(s)://`), checks their SHA-256
/// against the registry before parsing a byte, checks the publisher allowlist, and reports the
/// verified model (to be swapped in between two events) or the refusal (the old version keeps
/// running).
public struct ModelFollower: Sendable {
    public enum Update: Sendable {
        case verified(id: String, model: NeuralModel, entry: RegistryEntry, cause: EventID?)
        case refused(id: String, entry: RegistryEntry, reason: String, cause: EventID?)
    }

    let registry: OnChainModelRegistry
    let models: [(id: String, version: UInt64)]
    let allowedPublishers: Set<Address>?
    let interval: Duration
    /// A websocket endpoint of the registry's chain: its `ModelPublished` notifications wake the
    /// follower at once (the periodic read stays, for what a disconnect may have missed).
    let subscribe: String?
    let logger: Logger

    /// `models`: each followed model id with the version running now.
    public init(registry: OnChainModelRegistry, models: [(id: String, version: UInt64)], allowedPublishers: Set<Address>?,
                interval: Duration, subscribe: String? = nil, logger: Logger) {
        self.subscribe = subscribe
        self.registry = registry
        self.models = models
        self.allowedPublishers = allowedPublishers
        self.interval = interval
        self.logger = logger
    }

    public func run(emit: @escaping @Sendable (Update) -> Void) async {
        var known = Dictionary(uniqueKeysWithValues: models.map { ($0.id, $0.version) })
        let (wake, wakeUp) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [interval] in
                while !Task.isCancelled {
                    do { try await Task.sleep(for: interval) } catch { break }
                    wakeUp.yield()
                }
            }
            if let subscribe {
                group.addTask { [registry, logger] in await Self.listen(subscribe, registry: registry.address, logger: logger) { wakeUp.yield() } }
            }
            for await _ in wake {
                if Task.isCancelled { break }
                await check(&known, emit)
            }
            group.cancelAll()
        }
    }

    func check(_ known: inout [String: UInt64], _ emit: @escaping @Sendable (Update) -> Void) async {
        for (id, current) in known {
            let hash = ModelID.parse(id)
            guard let count = try? await registry.versionCount(model: hash), count > current else { continue }
            for v in (current + 1)...count {
                guard let entry = try? await registry.entry(model: hash, version: .pinned(v)) else { break }
                known[id] = v
                let cause = await publishedEvent(entry)
                do {
                    emit(.verified(id: id, model: try await verifiedModel(id: id, entry: entry), entry: entry, cause: cause))
                } catch {
                    logger.warning("model update refused", metadata: ["model": "\(id)", "version": "\(v)", "reason": "\(error)"])
                    emit(.refused(id: id, entry: entry, reason: "\(error)", cause: cause))
                }
            }
        }
    }

    /// Subscribes to the registry's `ModelPublished` logs and calls `wake` for each, reconnecting
    /// after a second when the connection ends.
    static func listen(_ url: String, registry: Address, logger: Logger, wake: @escaping @Sendable () -> Void) async {
        while !Task.isCancelled {
            let client = WebSocketRPCClient(url: url, logger: logger)
            await withTaskGroup(of: Void.self) { group in
                group.addTask { try? await client.run() }
                do {
                    try await withTimeout(.seconds(10), "\(url): no connection") { try await client.waitUntilConnected() }
                    let filter: JSONValue = ["address": .string("\(registry)"), "topics": [.string("\(ModelRegistryABI.modelPublishedTopic)")]]
                    _ = try await client.call("eth_subscribe", ["logs", filter], timeout: .seconds(10))
                    wake()  // anything published while this connection was down
                    for await _ in client.notifications { wake() }
                } catch {
                    logger.warning("registry subscription lost; reconnecting", metadata: ["error": "\(error)"])
                }
                group.cancelAll()
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    func verifiedModel(id: String, entry: RegistryEntry) async throws -> NeuralModel {
        if let allowed = allowedPublishers, !allowed.contains(entry.publisher) {
            throw ModelError("version \(entry.version) was published by \(entry.publisher), not an allowed publisher")
        }
        let bytes = try await Self.fetch(entry.uri)
        let hash = ModelHash.sha256(bytes)
        guard hash == entry.weightsHash else {
            throw ModelError("the weights at \(entry.uri) hash to \(hash), the registry records \(entry.weightsHash)")
        }
        return try NeuralModel(safetensors: bytes, reference: ModelReference(id: id, version: entry.version, weightsHash: hash))
    }

    /// The bytes a registry uri names.
    static func fetch(_ uri: String) async throws -> [UInt8] {
        if uri.hasPrefix("http://") || uri.hasPrefix("https://") {
            let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: uri), timeout: .seconds(60))
            guard response.status.code == 200 else { throw ModelError("\(uri): HTTP \(response.status.code)") }
            return Array(try await response.body.collect(upTo: 256 << 20).readableBytesView)
        }
        let path = uri.hasPrefix("file://") ? String(uri.dropFirst("file://".count)) : uri
        do { return try InputFile.bytes(path, what: "model file", limit: ModelHash.maxModelBytes) } catch { throw ModelError(error.description) }
    }

    /// The `ModelPublished` log of an entry, as the identity of what caused an update.
    func publishedEvent(_ entry: RegistryEntry) async -> EventID? {
        let filter: JSONValue = ["fromBlock": "0x0", "toBlock": "latest", "address": .string("\(registry.address)"),
                                 "topics": [.string("\(ModelRegistryABI.modelPublishedTopic)"), .string("\(entry.modelId)"),
                                            .string(Hex.encode(UInt256(entry.version).word.bytes))]]
        guard let logs = try? await registry.rpc.call("eth_getLogs", [filter]).arrayValue, let first = logs.first,
              let log = try? EthLog(json: first),
              let chain = (try? await registry.rpc.call("eth_chainId", [])).flatMap({ $0.stringValue }).flatMap({ Hex.quantity($0) })
        else { return nil }
        return log.eventID(chainId: chain)
    }
}
