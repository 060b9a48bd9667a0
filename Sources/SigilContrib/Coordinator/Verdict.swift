public import SigilCore

/// The coordinator's decision on one submission, as the ledger records it.
public struct Verdict: Sendable, Hashable {
    /// Why a submission was refused, or that it was accepted. Stable codes, for clients.
    public enum Reason: String, Sendable, CaseIterable {
        case accepted
        /// The package is larger than the limit.
        case oversize
        /// The manifest is not canonical, or a field is malformed.
        case malformedManifest = "malformed_manifest"
        /// The signature does not recover to the manifest's contributor.
        case badSignature = "bad_signature"
        /// This contributor used this nonce before.
        case replayedNonce = "replayed_nonce"
        /// The base is not the registry's current version of the model.
        case staleBase = "stale_base"
        /// The weights' SHA-256 is not the manifest's `newHash`.
        case hashMismatch = "hash_mismatch"
        /// Not a safetensors file, or its model card does not parse.
        case malformedWeights = "malformed_weights"
        /// The architecture, features, activations, normalisation or a tensor shape differ from the base.
        case architectureMismatch = "architecture_mismatch"
        /// A weight is NaN or infinite.
        case nonFinite = "non_finite_weight"
        /// The weights moved further from the base than the bound allows.
        case tooFarFromBase = "too_far_from_base"
        /// The held-out loss is worse than the current version's.
        case worseOnHeldOut = "worse_on_held_out"
        /// Better, but not by more than epsilon (copies and noise earn nothing).
        case belowEpsilon = "below_epsilon"
        /// Better on the held-out set, but publishing it on-chain failed: not a new version, no reward.
        case publishFailed = "publish_failed"
    }

    public var id: Int64
    public var reason: Reason
    public var detail: String
    public var contributor: Address?
    public var nonce: String?
    public var modelId: Hash32?
    public var baseVersion: UInt64?
    /// Held-out losses of the current version and of the update, when scored.
    public var baseLoss: Double?
    public var newLoss: Double?
    /// (baseLoss − newLoss) / baseLoss.
    public var improvement: Double?
    public var reward: Double
    /// The registry version an accepted update was published as, and the transaction.
    public var publishedVersion: UInt64?
    public var transactionHash: Hash32?

    public var accepted: Bool { reason == .accepted }
}
