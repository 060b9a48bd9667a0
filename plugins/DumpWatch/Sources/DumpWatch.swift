public import SigilCore
public import SigilPluginAPI

/// `dump-watch`: finds a large holder selling most of its holding into the pool at once.
///
/// Rule: an account that received at least `min_share` of a token's minted supply straight from
/// the mint or from the deployer (the first mint's recipient), outside any trade, and then
/// sells at least `min_sold` of what it received into a pool of the token within
/// `window_blocks` of its first sell. A holder selling a little at a time, or a buyer that
/// got its tokens from the pool, is left alone. The token's supply is what the feed saw minted,
/// so a token whose mint the feed did not see is not judged.
///
/// Evidence: the holder, the deployer, the share of supply received, what it sold and in which
/// transactions, and the price impact on the pool (the token's price in the pool's other token
/// before the first sell and after the last).
public final class DumpWatch: StrategyPlugin {
    public static let kind = "dump-watch"
    public static let summary = "finds a holder of a large share of a token selling most of it into the pool within a few blocks"
    public static let parameterSpecs: [ParameterSpec] = [
        ParameterSpec("min_share", .double(0.001...1), default: .double(0.12), help: "share of the minted supply that makes a large holder", reloadable: true),
        ParameterSpec("min_sold", .double(0.01...1), default: .double(0.5), help: "share of its holding it must sell to be a dump", reloadable: true),
        ParameterSpec("window_blocks", .int(0...1_000_000), default: .int(20), help: "blocks from its first sell in which that share is sold"),
        ParameterSpec("severity", .string(allowed: Alert.Severity.allCases.map(\.rawValue)), default: .string("high"),
                      help: "severity of the alert (high or critical vetoes buys of the pool's tokens)", reloadable: true),
    ]
    public static let modelRoles: [String] = []
    public static let detects = ["holder_dump"]
    public static let wantsBlocks = true

    static let maxTokens = 65_536, maxHoldersPerToken = 64, maxTransactions = 32

    public let eventKinds: Set<String> = ["erc20.transfer", "v2.swap", "v3.swap", "v2.mint", "v2.burn", "v3.mint", "v3.burn"]
    let minShare: Double, minSold: Double, window: UInt64, severity: Alert.Severity

    /// A large holder's holding and its sells.
    public struct Holding: Codable, Sendable {
        public var received: UInt256
        public var sold: UInt256 = .zero
        public var firstSellBlock: UInt64?
        public var priceBefore: Double?
        public var transactions: [Hash32] = []
        public var alerted = false
    }

    public struct TokenFacts: Codable, Sendable {
        public var deployer: Address?
        public var holders: [Address: Holding] = [:]
        public var lastBlock: UInt64 = 0
    }

    public struct State: Codable, Sendable {
        public var tokens: [Address: TokenFacts] = [:]
        /// The last price of each pool of a followed token (token1 per token0), as of the end of the last block it traded in.
        public var prices: [Address: Double] = [:]
    }

    public var state = State()

    public init(minShare: Double = 0.12, minSold: Double = 0.5, windowBlocks: UInt64 = 20, severity: Alert.Severity = .high) {
        self.minShare = minShare
        self.minSold = minSold
        window = windowBlocks
        self.severity = severity
    }

    public convenience init(parameters v: ParameterValues, models: [String: any PredictiveModel] = [:]) {
        self.init(minShare: v.double("min_share"), minSold: v.double("min_sold"), windowBlocks: UInt64(v.int("window_blocks")),
                  severity: Alert.Severity(rawValue: v.string("severity")) ?? .high)
    }

    public func handle(_ event: MarketEvent, pool: PoolSnapshot) -> [PluginOutput] { [] }

    public func blockClosed(_ block: ClosedBlock) -> [PluginOutput] {
        var selling: [(token: Address, holder: Address, pool: Address, cause: MarketEvent)] = []
        for tx in block.activity {
            for t in tx.transfers {
                guard let snapshot = block.tokens[t.token] else { continue }
                var facts = state.tokens[t.token] ?? TokenFacts()
                if facts.deployer == nil { facts.deployer = snapshot.firstMintTo }
                facts.lastBlock = block.number
                let pools = Set(snapshot.pools)
                if tx.swaps.isEmpty, tx.liquidityPools.isEmpty, !pools.contains(t.to), t.to != .zero,
                   t.from == .zero || t.from == facts.deployer, t.to != facts.deployer,
                   facts.holders.count < Self.maxHoldersPerToken, !snapshot.minted.isZero,
                   t.value.doubleValue >= minShare * snapshot.minted.doubleValue {
                    var h = facts.holders[t.to] ?? Holding(received: .zero)
                    h.received = h.received.addingSaturated(t.value)
                    facts.holders[t.to] = h
                } else if pools.contains(t.to), !tx.liquidityPools.contains(t.to), var h = facts.holders[t.from], !h.alerted {
                    if h.firstSellBlock == nil || block.number.subtractingSaturated(h.firstSellBlock ?? 0) > window {
                        // A new window: what was sold before it does not count.
                        h.firstSellBlock = block.number
                        h.sold = .zero
                        h.transactions = []
                        h.priceBefore = state.prices[t.to]
                    }
                    h.sold = h.sold.addingSaturated(t.value)
                    if h.transactions.last != tx.hash, h.transactions.count < Self.maxTransactions { h.transactions.append(tx.hash) }
                    facts.holders[t.from] = h
                    selling.append((t.token, t.from, t.to, t.event))
                }
                state.tokens[t.token] = facts
            }
        }
        var out: [PluginOutput] = []
        var judged = Set<String>()
        for s in selling where judged.insert("\(s.token)/\(s.holder)").inserted {
            guard var facts = state.tokens[s.token], var h = facts.holders[s.holder], !h.alerted, !h.received.isZero else { continue }
            let share = h.sold.doubleValue / h.received.doubleValue
            guard share >= minSold else { continue }
            h.alerted = true
            facts.holders[s.holder] = h
            state.tokens[s.token] = facts
            out.append(.alert(alert(token: s.token, holder: s.holder, holding: h, facts: facts, pool: s.pool, soldShare: share,
                                    cause: s.cause, block: block)))
        }
        for (address, pool) in block.pools {
            if let p = pool.price, p.isFinite, p > 0, [pool.token0, pool.token1].contains(where: { $0.map { state.tokens[$0] != nil } ?? false }) {
                state.prices[address] = p
            }
        }
        if state.tokens.count > Self.maxTokens {
            let stale = state.tokens.sorted { $0.value.lastBlock < $1.value.lastBlock }.prefix(state.tokens.count - Self.maxTokens)
            for (token, _) in stale { state.tokens[token] = nil }
        }
        if state.prices.count > 2 * Self.maxTokens { state.prices = [:] }
        return out
    }

    func alert(token: Address, holder: Address, holding h: Holding, facts: TokenFacts, pool: Address, soldShare: Double,
               cause: MarketEvent, block: ClosedBlock) -> Alert {
        let minted = block.tokens[token]?.minted ?? .zero
        let supplyShare = minted.isZero ? 0 : h.received.doubleValue / minted.doubleValue
        var impact: Double?
        if let before = h.priceBefore, let snap = block.pools[pool], let after = snap.price, before > 0, after > 0 {
            // The token's price in the pool's other token: price (token1 per token0) or its inverse.
            impact = snap.token0 == token ? 1 - after / before : 1 - before / after
        }
        var metadata: [String: String] = [
            "token": "\(token)", "pool": "\(pool)", "holder": "\(holder)", "responsible": "\(holder)",
            "deployer": facts.deployer.map { "\($0)" } ?? "",
            "received": "\(h.received)", "supplyShare": "\((supplyShare * 1000).rounded() / 1000)",
            "sold": "\(h.sold)", "soldShare": "\((soldShare * 1000).rounded() / 1000)",
            "firstSellBlock": "\(h.firstSellBlock ?? block.number)", "lastSellBlock": "\(block.number)",
            "transactions": h.transactions.map { "\($0)" }.joined(separator: ","),
        ]
        if let impact { metadata["priceImpact"] = "\((impact * 1000).rounded() / 1000)" }
        return Alert(alertId: "SIGIL-DUMP-1", name: "Holder dump",
                     description: "\(holder), given \(percentText(supplyShare))% of \(token)'s supply, sold \(percentText(soldShare))% of it into \(pool) "
                        + "within \(block.number - (h.firstSellBlock ?? block.number) + 1) block(s)"
                        + (impact.map { ", moving its price by -\(percentText($0))%" } ?? ""),
                     severity: severity, kind: .suspicious, pool: pool, addresses: [holder, token] + (facts.deployer.map { [$0] } ?? []),
                     labels: [Alert.Label(entity: "\(holder)", label: "dumper", confidence: min(1, soldShare))],
                     metadata: metadata, cause: cause.id)
    }
}
