import Foundation
import BigInt
public import SigilCore

/// Where model versions are looked up: the on-chain ModelRegistry or a snapshot of its events.
public protocol ModelRegistrySource: Sendable {
    /// The entry for `model` at `version`; throws a `RegistryError` saying what is missing.
    func entry(model: Hash32, version: ModelVersionSelector) async throws -> RegistryEntry
}

/// Why a registry lookup failed, said so that a user can act on it.
public struct RegistryError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case unregisteredModel, unknownVersion, unreachable, malformed }
    public let kind: Kind
    public let description: String

    public init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }
}

/// The ModelRegistry contract's ABI, as Sigil uses it.
public enum ModelRegistryABI {
    static let versionTuple: ABIType = .tuple([.fixedBytes(32), .string, .address, .address, .uint(256)])
    /// topic0 of `ModelPublished(bytes32 indexed, uint256 indexed, address indexed, bytes32, string, address)`.
    public static let modelPublishedTopic = Hash32(bytes: Keccak256.hash("ModelPublished(bytes32,uint256,address,bytes32,string,address)"))!

    /// Decodes a `ModelPublished` log.
    public static func decodePublished(_ log: some LogView) throws(ChainError) -> RegistryEntry {
        guard log.topicCount == 4, log.topic(0) == modelPublishedTopic else { throw ChainError.log("not a ModelPublished log") }
        let count = log.dataWordCount ?? 0
        var data = [UInt8]()
        for i in 0..<count { data += log.dataWord(i).bytes }
        let values = try ABI.decode([.fixedBytes(32), .string, .address], data)
        guard case .fixedBytes(let hash) = values[0], case .string(let uri) = values[1], case .address(let contributor) = values[2] else {
            throw ChainError.log("ModelPublished data does not match its ABI")
        }
        let version = UInt256(word: log.topic(2))
        guard version.bitWidth <= 64 else { throw ChainError.log("ModelPublished version out of range") }
        return RegistryEntry(modelId: log.topic(1), version: version.l0, weightsHash: Hash32(bytes: hash)!, uri: uri,
                             publisher: try Address(abiWord: log.topic(3)), contributor: contributor)
    }

    static func entry(model: Hash32, version: UInt64, from value: ABIValue) throws(ChainError) -> RegistryEntry {
        guard case .tuple(let f) = value, f.count == 5, case .fixedBytes(let h) = f[0], case .string(let uri) = f[1],
              case .address(let publisher) = f[2], case .address(let contributor) = f[3]
        else { throw ChainError.abiDecode("not a registry Version record") }
        return RegistryEntry(modelId: model, version: version, weightsHash: Hash32(bytes: h)!, uri: uri,
                             publisher: publisher, contributor: contributor)
    }
}

/// The on-chain registry read through `eth_call`.
public struct OnChainModelRegistry: ModelRegistrySource {
    public let rpc: any JSONRPCTransport
    public let address: Address

    public init(rpc: any JSONRPCTransport, address: Address) {
        self.rpc = rpc
        self.address = address
    }

    func call(_ data: [UInt8]) async throws -> [UInt8] {
        let answer: JSONValue
        do {
            answer = try await rpc.call("eth_call", [["to": .string(address.description), "data": .string(Hex.encode(data))], "latest"])
        } catch let e as ChainError where e.rpcCode != nil {
            throw e
        } catch {
            throw RegistryError(.unreachable, "registry \(address) unreachable: \(error)")
        }
        guard let s = answer.stringValue, let bytes = Hex.decode(s) else { throw RegistryError(.malformed, "registry answered \(answer)") }
        return bytes
    }

    public func versionCount(model: Hash32) async throws -> UInt64 {
        let out = try await call(try ABI.call("versionCount(bytes32)", [.fixedBytes(32)], [.fixedBytes(model.bytes)]))
        guard out.count == 32 else {
            throw RegistryError(.malformed, "no ModelRegistry at \(address) (versionCount answered \(out.count) bytes)")
        }
        let v = UInt256(word: Hash32(bytes: out)!)
        guard v.bitWidth <= 64 else { throw RegistryError(.malformed, "version count out of range") }
        return v.l0
    }

    public func entry(model: Hash32, version: ModelVersionSelector) async throws -> RegistryEntry {
        let count = try await versionCount(model: model)
        guard count > 0 else { throw RegistryError(.unregisteredModel, "model \(model) is not registered in \(address)") }
        let n: UInt64
        switch version {
        case .latest: n = count
        case .pinned(let v):
            guard v >= 1, v <= count else {
                throw RegistryError(.unknownVersion, "model \(model) has versions 1…\(count) in \(address), not \(v)")
            }
            n = v
        }
        let out = try await call(try ABI.call("getVersion(bytes32,uint256)", [.fixedBytes(32), .uint(256)],
                                              [.fixedBytes(model.bytes), .uint(.init(n))]))
        let values = try ABI.decode([ModelRegistryABI.versionTuple], out)
        return try ModelRegistryABI.entry(model: model, version: n, from: values[0])
    }
}

/// A snapshot of the registry: the `ModelPublished` logs from `eth_getLogs`, replayed in order.
public struct ModelRegistrySnapshot: ModelRegistrySource {
    /// Every published version, by model, in version order.
    public let versions: [Hash32: [RegistryEntry]]

    public init(logs: [EthLog]) throws(ChainError) {
        var v: [Hash32: [RegistryEntry]] = [:]
        for log in logs where !log.removed && log.topicCount > 0 && log.topic(0) == ModelRegistryABI.modelPublishedTopic {
            let e = try ModelRegistryABI.decodePublished(log)
            v[e.modelId, default: []].append(e)
        }
        for (k, list) in v {
            let sorted = list.sorted { $0.version < $1.version }
            guard sorted.enumerated().allSatisfy({ UInt64($0.offset + 1) == $0.element.version }) else {
                throw ChainError.log("snapshot versions of \(k) are not 1, 2, 3, …")
            }
            v[k] = sorted
        }
        versions = v
    }

    public func entry(model: Hash32, version: ModelVersionSelector) async throws -> RegistryEntry {
        guard let list = versions[model], !list.isEmpty else {
            throw RegistryError(.unregisteredModel, "model \(model) is not registered in the snapshot")
        }
        switch version {
        case .latest: return list[list.count - 1]
        case .pinned(let n):
            guard n >= 1, n <= UInt64(list.count) else {
                throw RegistryError(.unknownVersion, "model \(model) has versions 1…\(list.count) in the snapshot, not \(n)")
            }
            return list[Int(n - 1)]
        }
    }
}

extension ModelRegistrySnapshot {
    /// The largest snapshot file read.
    public static let maxFileBytes = 256 << 20

    /// Reads a snapshot file: `{"logs": [...]}` as `make scenarios` writes it, or a bare
    /// `eth_getLogs` answer array.
    public init(path: String) throws(RegistryError) {
        let bytes: [UInt8]
        do { bytes = try InputFile.bytes(path, what: "registry snapshot", limit: Self.maxFileBytes) } catch {
            throw RegistryError(.unreachable, error.description)
        }
        try self.init(data: bytes, path: path)
    }

    /// Reads a snapshot's bytes (`path` names it in errors).
    public init(data bytes: [UInt8], path: String) throws(RegistryError) {
        let json: JSONValue
        do { json = try JSONDecoder().decode(JSONValue.self, from: Data(bytes)) } catch {
            throw RegistryError(.malformed, "registry snapshot \(path) is not JSON")
        }
        guard let items = json["logs"]?.arrayValue ?? json.arrayValue else {
            throw RegistryError(.malformed, "registry snapshot \(path) holds no logs array")
        }
        do {
            try self.init(logs: items.map { (j) throws(ChainError) -> EthLog in try EthLog(json: j) })
        } catch {
            throw RegistryError(.malformed, "registry snapshot \(path): \(error)")
        }
    }
}
