public import SigilCore

/// Vetoes signals while an alert at or above the configured severity is fresh: every signal on
/// the alerted pool (either side buys one of its tokens, at a ruinous price once its liquidity
/// is gone), and elsewhere any signal that buys a token the alert labels `scam-token`. Vetoed
/// signals are recorded as vetoed, never dropped.
public struct RiskGate: Sendable {
    public let severity: Alert.Severity
    public let blocks: UInt64
    /// Pool → last block its veto covers.
    public private(set) var poolsVetoedUntil: [Address: UInt64] = [:]
    /// Token → last block its veto covers.
    public private(set) var tokensVetoedUntil: [Address: UInt64] = [:]
    public private(set) var vetoes = 0

    /// What the gate remembers (the configuration's severity and duration are not part of it).
    public struct Vetoes: Codable, Sendable {
        public var pools: [Address: UInt64]
        public var tokens: [Address: UInt64]
        public var count: Int
    }

    /// The vetoes in force, for engine snapshots; setting it restores them.
    public var vetoState: Vetoes {
        get { Vetoes(pools: poolsVetoedUntil, tokens: tokensVetoedUntil, count: vetoes) }
        set {
            poolsVetoedUntil = newValue.pools
            tokensVetoedUntil = newValue.tokens
            vetoes = newValue.count
        }
    }

    public init(severity: Alert.Severity, blocks: UInt64) {
        self.severity = severity
        self.blocks = blocks
    }

    /// Registers an alert; one at or above the threshold starts (or extends) a veto on its pool
    /// and on the tokens it labels `scam-token` (not on every address it names: a rug pull's
    /// alert also names WETH, which must stay tradable elsewhere).
    public mutating func record(_ alert: Alert) {
        guard alert.severity >= severity else { return }
        let until = alert.cause.blockNumber.addingSaturated(blocks)
        poolsVetoedUntil[alert.pool] = max(poolsVetoedUntil[alert.pool] ?? 0, until)
        for t in alert.labels.filter({ $0.label == "scam-token" }).compactMap({ Address(hex: $0.entity) }) {
            tokensVetoedUntil[t] = max(tokensVetoedUntil[t] ?? 0, until)
        }
    }

    /// True when `signal` (on a pool of `token0`/`token1`; buy = buy token0, sell = buy token1)
    /// must be vetoed.
    public mutating func vetoes(_ signal: Signal, token0: Address?, token1: Address?) -> Bool {
        let block = signal.cause.blockNumber
        let bought = signal.side == .buy ? token0 : token1
        let hit = (poolsVetoedUntil[signal.pool] ?? 0) >= block || bought.map { (tokensVetoedUntil[$0] ?? 0) >= block } == true
        if hit { vetoes += 1 }
        return hit
    }
}
