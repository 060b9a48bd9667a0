public import SigilCore

/// The verdict on one model file against its registry entry. The file is hashed before any
/// byte of it is parsed; only a `.match` may be loaded.
public struct ModelVerification: Sendable {
    public enum Verdict: Sendable, Equatable {
        case match
        /// The file's SHA-256 is not the one the registry records.
        case hashMismatch
        /// The entry was published by an address outside the configured allowlist.
        case publisherNotAllowed
    }

    public let path: String
    public let entry: RegistryEntry
    public let actualHash: Hash32
    public let verdict: Verdict

    public var isMatch: Bool { verdict == .match }

    /// Hashes `path` and compares it with `entry`; `allowedPublishers` (when given) must
    /// contain the entry's publisher.
    public static func check(file path: String, against entry: RegistryEntry,
                             allowedPublishers: Set<Address>? = nil) throws(ModelError) -> ModelVerification {
        let actual = try ModelHash.sha256(fileAt: path)
        let verdict: Verdict
        if let allowed = allowedPublishers, !allowed.contains(entry.publisher) {
            verdict = .publisherNotAllowed
        } else {
            verdict = actual == entry.weightsHash ? .match : .hashMismatch
        }
        return ModelVerification(path: path, entry: entry, actualHash: actual, verdict: verdict)
    }

    /// One line a person can act on.
    public var summary: String {
        switch verdict {
        case .match:
            "MATCH: \(path) is version \(entry.version) of model \(entry.modelId) (sha256 \(actualHash))"
        case .hashMismatch:
            "MISMATCH: \(path) has sha256 \(actualHash) but version \(entry.version) of model \(entry.modelId) is registered with \(entry.weightsHash)"
        case .publisherNotAllowed:
            "REFUSED: version \(entry.version) of model \(entry.modelId) was published by \(entry.publisher), which is not an allowed publisher"
        }
    }
}
