import Foundation
public import SigilChain
public import SigilCore
import SigilModels

/// What a contributor says about an update: which model and base it improves, the new weights'
/// hash, local metrics, a fingerprint of the training data, who made it, and a nonce. Its
/// canonical bytes (compact JSON, keys sorted, every value a string) are what is signed.
public struct UpdateManifest: Sendable, Hashable {
    public var modelId: Hash32
    public var baseVersion: UInt64
    public var baseHash: Hash32
    public var newHash: Hash32
    /// Local metrics as decimal strings (`trainRows`, `validationLoss`, `baseValidationLoss`, …).
    public var metrics: [String: String]
    public var dataFingerprint: Hash32
    public var contributor: Address
    public var nonce: String
    public var timestamp: UInt64

    public init(modelId: Hash32, baseVersion: UInt64, baseHash: Hash32, newHash: Hash32, metrics: [String: String],
                dataFingerprint: Hash32, contributor: Address, nonce: String, timestamp: UInt64) {
        self.modelId = modelId
        self.baseVersion = baseVersion
        self.baseHash = baseHash
        self.newHash = newHash
        self.metrics = metrics
        self.dataFingerprint = dataFingerprint
        self.contributor = contributor
        self.nonce = nonce
        self.timestamp = timestamp
    }

    /// The manifest as it travels: every value a string.
    struct Wire: Codable {
        var modelId: String
        var baseVersion: String
        var baseHash: String
        var newHash: String
        var metrics: [String: String]
        var dataFingerprint: String
        var contributor: String
        var nonce: String
        var timestamp: String
        var version: String
    }

    /// Compact JSON with sorted keys and string values: one byte sequence per manifest.
    public var canonicalBytes: [UInt8] {
        var w = JSONWriter()
        w.object([("modelId", .string("\(modelId)")), ("baseVersion", .string("\(baseVersion)")), ("baseHash", .string("\(baseHash)")),
                  ("newHash", .string("\(newHash)")), ("metrics", .stringMap(metrics)), ("dataFingerprint", .string("\(dataFingerprint)")),
                  ("contributor", .string("\(contributor)")), ("nonce", .string(nonce)), ("timestamp", .string("\(timestamp)")),
                  ("version", .string("1"))])
        return w.bytes
    }

    /// The longest nonce, metric name or metric value.
    public static let maxTokenLength = 64
    public static let maxMetrics = 32
    /// The largest manifest (canonical bytes).
    public static let maxBytes = 16 << 10

    /// A short identifier from outside that is safe in a ledger, a file name, a URL and a
    /// terminal: 1 to 64 characters of letters, digits and `._:-`.
    public static func isToken(_ s: String) -> Bool {
        let u = s.utf8
        guard (1...maxTokenLength).contains(u.count) else { return false }
        return u.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x2e || c == 0x5f || c == 0x3a || c == 0x2d
        }
    }

    /// Parses canonical bytes; anything else (other keys, other types, non-canonical layout) is refused.
    public init(canonical bytes: [UInt8]) throws(ContribError) {
        guard bytes.count <= Self.maxBytes else { throw ContribError("the manifest is \(bytes.count) bytes; at most \(Self.maxBytes)") }
        guard let wire = try? JSONDecoder().decode(Wire.self, from: Data(bytes)) else {
            throw ContribError("the manifest is not a JSON object of the fields modelId, baseVersion, baseHash, newHash, metrics, "
                               + "dataFingerprint, contributor, nonce, timestamp, version, each a string (metrics: names to strings)")
        }
        guard wire.version == "1" else { throw ContribError("unknown manifest version") }
        guard let modelId = Hash32(hex: wire.modelId), let baseHash = Hash32(hex: wire.baseHash), let newHash = Hash32(hex: wire.newHash),
              let fingerprint = Hash32(hex: wire.dataFingerprint), let contributor = Address(hex: wire.contributor),
              let baseVersion = UInt64(wire.baseVersion), let timestamp = UInt64(wire.timestamp)
        else { throw ContribError("a manifest field is malformed") }
        let metrics = wire.metrics
        let nonce = wire.nonce
        guard Self.isToken(nonce) else {
            throw ContribError("the manifest's nonce must be 1 to \(Self.maxTokenLength) characters of A–Z, a–z, 0–9, '.', '_', ':' or '-'")
        }
        guard metrics.count <= Self.maxMetrics, metrics.allSatisfy({ Self.isToken($0.key) && Self.isToken($0.value) }) else {
            throw ContribError("the manifest's metrics must be at most \(Self.maxMetrics) names and values, each 1 to \(Self.maxTokenLength) characters of A–Z, a–z, 0–9, '.', '_', ':' or '-'")
        }
        self.init(modelId: modelId, baseVersion: baseVersion, baseHash: baseHash, newHash: newHash, metrics: metrics,
                  dataFingerprint: fingerprint, contributor: contributor, nonce: nonce, timestamp: timestamp)
        guard canonicalBytes == bytes else { throw ContribError("the manifest is not in canonical form (sorted keys, compact, strings)") }
    }
}

/// An update package: the new weights, the manifest, and the contributor's EIP-191 signature
/// over the manifest's canonical bytes. On disk: a directory of `weights.safetensors`,
/// `manifest.json` and `manifest.sig` (0x-hex, 65 bytes).
public struct UpdatePackage: Sendable {
    public static let weightsFile = "weights.safetensors", manifestFile = "manifest.json", signatureFile = "manifest.sig"

    public var manifest: UpdateManifest
    public var manifestBytes: [UInt8]
    public var weights: [UInt8]
    public var signature: RecoverableSignature

    public init(manifest: UpdateManifest, weights: [UInt8], signedBy key: PrivateKey) throws(ChainError) {
        self.manifest = manifest
        manifestBytes = manifest.canonicalBytes
        self.weights = weights
        signature = try PersonalMessage.sign(manifestBytes, with: key)
    }

    public init(manifestBytes: [UInt8], weights: [UInt8], signature: RecoverableSignature) throws(ContribError) {
        manifest = try UpdateManifest(canonical: manifestBytes)
        self.manifestBytes = manifestBytes
        self.weights = weights
        self.signature = signature
    }

    /// The address the signature recovers to (a valid package names it as `contributor`).
    public func signer() throws(ChainError) -> Address { try PersonalMessage.signer(of: manifestBytes, signature: signature) }

    /// Throws unless the package was signed by `address` and names it as the contributor (what
    /// `contribute submit` checks before sending a package in someone's name).
    public func checkSigned(by address: Address) throws {
        let signer = try signer()
        guard signer == address, manifest.contributor == address else {
            throw ContribError("the package is signed by \(signer) for \(manifest.contributor), not by this keystore's \(address)")
        }
    }

    public func write(to dir: String) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Data(weights).write(to: URL(fileURLWithPath: dir + "/" + Self.weightsFile))
        try Data(manifestBytes).write(to: URL(fileURLWithPath: dir + "/" + Self.manifestFile))
        try Data((Hex.encode(signature.bytes) + "\n").utf8).write(to: URL(fileURLWithPath: dir + "/" + Self.signatureFile))
    }

    /// The largest weights file a package may hold.
    public static let maxWeightsBytes = 1 << 30

    public static func read(from dir: String) throws -> UpdatePackage {
        func file(_ name: String, _ limit: Int) throws -> [UInt8] {
            do { return try InputFile.bytes(dir + "/" + name, what: "package file", limit: limit) } catch {
                throw ContribError("update package \(dir): \(error)")
            }
        }
        let sigText = String(decoding: try file(signatureFile, 1_024), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let sigBytes = Hex.decode(sigText) else { throw ContribError("\(dir)/\(signatureFile) is not hex") }
        return try UpdatePackage(manifestBytes: try file(manifestFile, UpdateManifest.maxBytes), weights: try file(weightsFile, maxWeightsBytes),
                                 signature: try RecoverableSignature(bytes: sigBytes))
    }
}

/// An error of the contributor module, said plainly.
public struct ContribError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
