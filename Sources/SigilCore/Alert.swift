/// A fraud or risk finding, in the shape detection bots already use (Forta findings).
public struct Alert: Hashable, Sendable {
    public enum Severity: String, Sendable, Codable, CaseIterable, Comparable {
        case info, low, medium, high, critical

        public static func < (a: Severity, b: Severity) -> Bool {
            allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
        }
    }

    /// Forta's finding `type`.
    public enum Kind: String, Sendable, CaseIterable { case exploit, suspicious, scam, info }

    /// A claim about an entity with a confidence in [0, 1].
    public struct Label: Hashable, Sendable {
        public var entity: String
        public var label: String
        public var confidence: Double

        public init(entity: String, label: String, confidence: Double) {
            self.entity = entity
            self.label = label
            self.confidence = confidence
        }
    }

    /// A stable id of the rule, e.g. `SIGIL-RUG-PULL-1`.
    public var alertId: String
    public var name: String
    public var description: String
    public var severity: Severity
    public var kind: Kind
    /// The pool the finding is about (what the risk gate vetoes).
    public var pool: Address
    public var addresses: [Address]
    public var labels: [Label]
    public var metadata: [String: String]
    /// The event that caused it.
    public var cause: EventID

    public init(alertId: String, name: String, description: String, severity: Severity, kind: Kind, pool: Address,
                addresses: [Address], labels: [Label], metadata: [String: String], cause: EventID) {
        self.alertId = alertId
        self.name = name
        self.description = description
        self.severity = severity
        self.kind = kind
        self.pool = pool
        self.addresses = addresses
        self.labels = labels
        self.metadata = metadata
        self.cause = cause
    }
}
