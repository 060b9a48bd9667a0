public import SigilCore

/// Vetoes buy signals for a pool (and its tokens) while an alert at or above the configured
/// severity on it is fresh. Vetoed signals are recorded as vetoed, never dropped.
public struct RiskGate: Sendable {
    public let severity: Alert.Severity
    public let blocks: UInt64
    /// Address (pool or token) → last block the veto covers.
    public private(set) var vetoedUntil: [Address: UInt64] = [:]
    public private(set) var vetoes = 0

    public init(severity: Alert.Severity, blocks: UInt64) {
        self.severity = severity
        self.blocks = blocks
    }

    /// Registers an alert; one at or above the threshold starts (or extends) a veto on its pool
    /// and on every token it labels `scam-token` (not on every address it names: a rug pull's
    /// pool also names WETH, which must stay tradable elsewhere).
    public mutating func record(_ alert: Alert) {
        guard alert.severity >= severity else { return }
        let until = alert.cause.blockNumber + blocks
        let tokens = alert.labels.filter { $0.label == "scam-token" }.compactMap { Address(hex: $0.entity) }
        for a in [alert.pool] + tokens { vetoedUntil[a] = max(vetoedUntil[a] ?? 0, until) }
    }

    /// True when `signal` must be vetoed: a buy on a pool, or of a token, under veto.
    public mutating func vetoes(_ signal: Signal, tokens: [Address]) -> Bool {
        guard signal.side == .buy else { return false }
        let block = signal.cause.blockNumber
        let hit = ([signal.pool] + tokens).contains { (vetoedUntil[$0] ?? 0) >= block }
        if hit { vetoes += 1 }
        return hit
    }
}
