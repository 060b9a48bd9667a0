public import SigilContrib

/// The coordinator's HTTP API bodies, as typed values on both sides (server and client).
public enum CoordinatorAPI {
    /// `POST /v1/submissions`: the package, each part as the contributor made it.
    public struct Submission: Codable, Sendable {
        /// The canonical manifest, base64.
        public var manifest: String
        /// The safetensors weights, base64.
        public var weights: String
        /// The recoverable signature of the manifest, "0x" + 130 hex digits.
        public var signature: String

        public init(manifest: String, weights: String, signature: String) {
            self.manifest = manifest
            self.weights = weights
            self.signature = signature
        }
    }

    /// A verdict (the answer to a submission) or a ledger row: the same fields.
    public struct Verdict: Codable, Sendable, Hashable {
        public var id: Int64
        public var verdict: String
        public var detail: String
        public var reward: Double
        public var contributor: String?
        public var nonce: String?
        public var baseLoss: Double?
        public var newLoss: Double?
        public var improvement: Double?
        public var publishedVersion: Int64?
        public var transactionHash: String?

        public init(id: Int64, verdict: String, detail: String, reward: Double, contributor: String? = nil, nonce: String? = nil,
                    baseLoss: Double? = nil, newLoss: Double? = nil, improvement: Double? = nil, publishedVersion: Int64? = nil,
                    transactionHash: String? = nil) {
            self.id = id
            self.verdict = verdict
            self.detail = detail
            self.reward = reward
            self.contributor = contributor
            self.nonce = nonce
            self.baseLoss = baseLoss
            self.newLoss = newLoss
            self.improvement = improvement
            self.publishedVersion = publishedVersion
            self.transactionHash = transactionHash
        }

        public init(_ v: SigilContrib.Verdict) {
            self.init(id: v.id, verdict: v.reason.rawValue, detail: v.detail, reward: v.reward, contributor: v.contributor.map { "\($0)" },
                      nonce: v.nonce, baseLoss: v.baseLoss, newLoss: v.newLoss, improvement: v.improvement,
                      publishedVersion: v.publishedVersion.flatMap { Int64(exactly: $0) }, transactionHash: v.transactionHash.map { "\($0)" })
        }

        public init(_ e: Ledger.Entry) {
            self.init(id: e.id, verdict: e.verdict, detail: e.detail, reward: e.reward, contributor: e.contributor, nonce: e.nonce,
                      baseLoss: e.baseLoss, newLoss: e.newLoss, improvement: e.improvement, publishedVersion: e.publishedVersion,
                      transactionHash: e.transactionHash)
        }
    }

    /// `GET /v1/submissions`: one page, newest first; `next` is the `before` of the next page.
    public struct Listing: Codable, Sendable {
        public var submissions: [Verdict]
        public var next: Int64?
    }

    /// `GET /v1/totals`.
    public struct Totals: Codable, Sendable, Hashable {
        public var submissions: Int
        public var accepted: Int
        public var rewards: Double
    }

    /// Any refusal: why.
    public struct Failure: Codable, Sendable {
        public var error: String
    }
}
