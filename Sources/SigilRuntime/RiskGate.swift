public import SigilCore

/// Vetoes signals while an alert at or above the configured severity is fresh: every signal on
/// the alerted pool (either side buys one of its tokens, at a ruinous price once its liquidity
/// is gone), and elsewhere any signal that buys a token the alert labels `scam-token`.
///
/// A critical alert is also remembered beyond `blocks`: the tokens it labels `scam-token` stay
/// vetoed everywhere, and the account it holds responsible (`metadata["responsible"]`) is
/// flagged, so that buys of any token that account deployed (received the first mint of) are
/// vetoed, on pools created later too. Every veto carries its cause. Vetoed signals are
/// recorded as vetoed, with the cause, never dropped. What it remembers is bounded.
public struct RiskGate: Sendable {
    public let severity: Alert.Severity
    public let blocks: UInt64
    /// Pool → last block its veto covers.
    public private(set) var poolsVetoedUntil: [Address: UInt64] = [:]
    /// Token → last block its veto covers (`UInt64.max`: remembered for good).
    public private(set) var tokensVetoedUntil: [Address: UInt64] = [:]
    /// Account → the alert that flagged it (`alertId` at block N).
    public private(set) var flaggedAccounts: [Address: String] = [:]
    /// Pool or token → the alert behind its veto.
    public private(set) var causes: [Address: String] = [:]
    public private(set) var vetoes = 0
    /// Entries remembered at most per map; past it the oldest expiring half is forgotten.
    public static let capacity = 65_536

    /// What the gate remembers (the configuration's severity and duration are not part of it).
    public struct Vetoes: Codable, Sendable {
        public var pools: [Address: UInt64]
        public var tokens: [Address: UInt64]
        public var count: Int
        /// Absent in snapshots from before actor memory.
        public var accounts: [Address: String]?
        public var causes: [Address: String]?
    }

    /// The vetoes in force, for engine snapshots; setting it restores them.
    public var vetoState: Vetoes {
        get { Vetoes(pools: poolsVetoedUntil, tokens: tokensVetoedUntil, count: vetoes, accounts: flaggedAccounts, causes: causes) }
        set {
            poolsVetoedUntil = newValue.pools
            tokensVetoedUntil = newValue.tokens
            vetoes = newValue.count
            flaggedAccounts = newValue.accounts ?? [:]
            causes = newValue.causes ?? [:]
        }
    }

    public init(severity: Alert.Severity, blocks: UInt64) {
        self.severity = severity
        self.blocks = blocks
    }

    /// Registers an alert; one at or above the threshold starts (or extends) a veto on its pool
    /// and on the tokens it labels `scam-token` (not on every address it names: a rug pull's
    /// alert also names WETH, which must stay tradable elsewhere). A critical one is remembered.
    public mutating func record(_ alert: Alert) {
        guard alert.severity >= severity else { return }
        let cause = "\(alert.alertId) at block \(alert.cause.blockNumber)"
        let critical = alert.severity == .critical
        let until = alert.cause.blockNumber.addingSaturated(blocks)
        poolsVetoedUntil[alert.pool] = max(poolsVetoedUntil[alert.pool] ?? 0, until)
        causes[alert.pool] = cause
        for t in alert.labels.filter({ $0.label == "scam-token" }).compactMap({ Address(hex: $0.entity) }) {
            tokensVetoedUntil[t] = critical ? .max : max(tokensVetoedUntil[t] ?? 0, until)
            causes[t] = cause
        }
        if critical, let who = alert.metadata["responsible"].flatMap(Address.init(hex:)), who != .zero {
            flaggedAccounts[who] = cause
        }
        bound()
    }

    /// Why `signal` (on a pool of `token0`/`token1`; buy = buy token0, sell = buy token1) must
    /// be vetoed, or nil; `deployer` gives the account a token was first minted to, when known.
    public mutating func veto(_ signal: Signal, token0: Address?, token1: Address?, deployer: (Address) -> Address? = { _ in nil }) -> String? {
        let block = signal.cause.blockNumber
        let bought = signal.side == .buy ? token0 : token1
        var reason: String?
        if (poolsVetoedUntil[signal.pool] ?? 0) >= block {
            reason = "pool \(signal.pool): \(causes[signal.pool] ?? "alert")"
        } else if let t = bought, (tokensVetoedUntil[t] ?? 0) >= block {
            reason = "token \(t): \(causes[t] ?? "alert")"
        } else if let t = bought, let d = deployer(t), let flagged = flaggedAccounts[d] {
            reason = "token \(t) deployed by \(d), flagged by \(flagged)"
        }
        if reason != nil { vetoes += 1 }
        return reason
    }

    /// True when `signal` must be vetoed (see `veto`).
    public mutating func vetoes(_ signal: Signal, token0: Address?, token1: Address?) -> Bool {
        veto(signal, token0: token0, token1: token1) != nil
    }

    mutating func bound() {
        if poolsVetoedUntil.count > Self.capacity { poolsVetoedUntil = Self.newestHalf(poolsVetoedUntil) }
        if tokensVetoedUntil.count > Self.capacity { tokensVetoedUntil = Self.newestHalf(tokensVetoedUntil) }
        if flaggedAccounts.count > Self.capacity {
            flaggedAccounts = Dictionary(uniqueKeysWithValues: flaggedAccounts.sorted { $0.key < $1.key }.prefix(Self.capacity / 2).map { ($0.key, $0.value) })
        }
        if causes.count > 2 * Self.capacity {
            causes = causes.filter { poolsVetoedUntil[$0.key] != nil || tokensVetoedUntil[$0.key] != nil }
        }
    }

    static func newestHalf(_ m: [Address: UInt64]) -> [Address: UInt64] {
        Dictionary(uniqueKeysWithValues: m.sorted { ($0.value, $0.key) > ($1.value, $1.key) }.prefix(capacity / 2).map { ($0.key, $0.value) })
    }
}
