public import SigilCore
public import SigilPluginAPI

/// `honeypot-watch`: finds tokens their buyers cannot sell.
///
/// Read from the token's transfers, grouped by transaction (a transfer out of a pool of the
/// token is a buy; into it, a sell; transactions that add or remove liquidity are neither):
///
/// - **Sell-blocked**: at least `min_buyers` distinct accounts bought, none of them has sold
///   in the `min_hold_blocks` or more since the first buy, and a privileged account sells: the
///   deployer (who received the minted supply) or an account it sent tokens to outside any
///   trade, and which never bought. The deployer is responsible.
/// - **Confiscatory tax**: in one sell, the seller also sends tokens to another account, and
///   that share of what it gave up is at least `max_tax`. The receiver of the tax is responsible.
///
/// Evidence: the token and pool, the deployer and privileged sellers, the buyers counted, the
/// sells and transactions; for a tax, the measured rate, the amounts and the transaction.
/// - **Confirmed by simulation** (when `simulation:` names an RPC and `simulate` is on): as soon
///   as `min_buyers` bought and none sold for `min_hold_blocks`, the plugin asks the runtime for
///   a round trip (`eth_call`: buy from the pool with WETH, sell straight back, against the state
///   after that block). A sell that reverts, or a tax of `max_tax` or more either way, is a
///   honeypot at once, before any privileged account sells; a round trip that sells back lowers
///   a later sell-blocked alert to `medium` (no veto), with the simulation in its evidence.
///
/// Limits: a sell that reverts leaves no log, so without simulation a sell-blocked token is found
/// only once a privileged account sells. Plugins never touch the network: the runtime runs the
/// simulation and hands the answer back (`simulated`).
public final class HoneypotWatch: StrategyPlugin {
    public static let kind = "honeypot-watch"
    public static let summary = "finds tokens their buyers cannot sell: only privileged accounts sell, or sells are taxed away"
    public static let parameterSpecs: [ParameterSpec] = [
        ParameterSpec("min_buyers", .int(1...100_000), default: .int(5), help: "distinct buyers before a sell-blocked token is judged", reloadable: true),
        ParameterSpec("min_hold_blocks", .int(0...1_000_000), default: .int(5),
                      help: "blocks from the first buy in which no buyer sold", reloadable: true),
        ParameterSpec("max_tax", .double(0.01...1), default: .double(0.25), help: "sell tax at or above which a token is a honeypot", reloadable: true),
        ParameterSpec("severity", .string(allowed: Alert.Severity.allCases.map(\.rawValue)), default: .string("critical"),
                      help: "severity of the alert (high or critical vetoes buys of the pool's tokens)", reloadable: true),
        ParameterSpec("simulate", .bool, default: .bool(true),
                      help: "ask for an eth_call round trip of a suspect token (when simulation: names an RPC)"),
    ]
    public static let modelRoles: [String] = []
    public static let detects = ["honeypot"]
    public static let wantsBlocks = true

    static let maxTokens = 65_536, maxPrivileged = 64, maxBuyersKept = 1_024

    public let eventKinds: Set<String> = ["erc20.transfer", "v2.swap", "v3.swap", "v2.mint", "v2.burn", "v3.mint", "v3.burn"]
    let minBuyers: Int, minHold: UInt64, maxTax: Double, severity: Alert.Severity, simulate: Bool

    /// What the plugin knows of one token.
    public struct TokenFacts: Codable, Sendable {
        public var deployer: Address?
        public var privileged: Set<Address> = []
        /// Buyers that are not privileged (at most `maxBuyersKept` named; `buyerCount` counts all).
        public var buyers: Set<Address> = []
        public var buyerCount = 0
        public var firstBuyBlock: UInt64?
        /// Privileged accounts that bought (they are traders, not a honeypot's owner).
        public var privilegedBuyers = 0
        public var sellers = 0
        public var lastBlock: UInt64 = 0
        public var alerted = false
        /// The pool buyers last bought from, and that buy's event.
        public var pool: Address?
        public var lastBuy: EventID?
        /// True once a simulation was asked for; its answer when it came.
        public var simulationAsked: Bool?
        public var simulation: SimulationResult?
    }

    public struct State: Codable, Sendable {
        public var tokens: [Address: TokenFacts] = [:]
    }

    public var state = State()

    public init(minBuyers: Int = 5, minHoldBlocks: UInt64 = 5, maxTax: Double = 0.25, severity: Alert.Severity = .critical,
                simulate: Bool = true) {
        self.simulate = simulate
        self.minBuyers = minBuyers
        minHold = minHoldBlocks
        self.maxTax = maxTax
        self.severity = severity
    }

    public convenience init(parameters v: ParameterValues, models: [String: any PredictiveModel] = [:]) {
        self.init(minBuyers: Int(v.int("min_buyers")), minHoldBlocks: UInt64(v.int("min_hold_blocks")), maxTax: v.double("max_tax"),
                  severity: Alert.Severity(rawValue: v.string("severity")) ?? .critical, simulate: v.bool("simulate"))
    }

    public func handle(_ event: MarketEvent, pool: PoolSnapshot) -> [PluginOutput] { [] }

    public func blockClosed(_ block: ClosedBlock) -> [PluginOutput] {
        var out: [PluginOutput] = []
        var boughtTokens: Set<Address> = []
        for tx in block.activity where !tx.transfers.isEmpty {
            for t in tx.transfers {
                guard let snapshot = block.tokens[t.token] else { continue }
                var facts = state.tokens[t.token] ?? TokenFacts()
                if facts.deployer == nil, let d = snapshot.firstMintTo {
                    facts.deployer = d
                    facts.privileged.insert(d)
                }
                facts.lastBlock = block.number
                let pools = Set(snapshot.pools)
                if pools.contains(t.from), !pools.contains(t.to), !tx.liquidityPools.contains(t.from) {
                    bought(t.to, facts: &facts, block: block.number)
                    facts.pool = t.from
                    facts.lastBuy = t.event.id
                    boughtTokens.insert(t.token)
                } else if pools.contains(t.to), !pools.contains(t.from), !tx.liquidityPools.contains(t.to) {
                    if let alert = sold(t, in: tx, facts: &facts, pool: t.to, block: block) { out.append(.alert(alert)) }
                } else if tx.swaps.isEmpty, tx.liquidityPools.isEmpty, facts.privileged.contains(t.from), t.to != .zero,
                          !pools.contains(t.to), facts.privileged.count < Self.maxPrivileged, !facts.buyers.contains(t.to) {
                    facts.privileged.insert(t.to)
                }
                state.tokens[t.token] = facts
            }
        }
        for token in boughtTokens.sorted() {
            guard simulate, var facts = state.tokens[token], suspect(facts, block: block.number), let pool = facts.pool,
                  let cause = facts.lastBuy else { continue }
            facts.simulationAsked = true
            state.tokens[token] = facts
            out.append(.simulate(SimulationRequest(kind: .v2RoundTrip, pool: pool, token: token, block: block.number, cause: cause)))
        }
        if state.tokens.count > Self.maxTokens {
            let stale = state.tokens.sorted { $0.value.lastBlock < $1.value.lastBlock }.prefix(state.tokens.count - Self.maxTokens)
            for (token, _) in stale { state.tokens[token] = nil }
        }
        return out
    }

    /// Many bought, none sold for `minHold` blocks, no simulation asked yet, nothing alerted.
    func suspect(_ f: TokenFacts, block: UInt64) -> Bool {
        guard !f.alerted, f.simulationAsked != true, f.privilegedBuyers == 0, f.sellers == 0, f.buyerCount >= minBuyers,
              let first = f.firstBuyBlock else { return false }
        return block.subtractingSaturated(first) >= minHold
    }

    public func simulated(_ result: SimulationResult, for request: SimulationRequest) -> [PluginOutput] {
        guard request.kind == .v2RoundTrip, var facts = state.tokens[request.token] else { return [] }
        facts.simulation = result
        defer { state.tokens[request.token] = facts }
        guard !facts.alerted, result.trapsBuyers(maxTax: maxTax) else { return [] }
        facts.alerted = true
        let deployer = facts.deployer ?? request.token
        let what = result.outcome == .roundTrip
            ? "a simulated round trip lost \(percentText(max(result.buyTax, result.sellTax)))% to the token's tax"
            : "a simulated sell reverted" + (result.reason.isEmpty ? "" : " (\(result.reason))")
        var metadata = result.evidence
        metadata["mechanism"] = result.outcome == .roundTrip ? "simulated tax" : "simulated sell blocked"
        metadata["deployer"] = "\(deployer)"
        metadata["buyers"] = "\(facts.buyerCount)"
        metadata["buyerSells"] = "0"
        metadata["simulatedAtBlock"] = "\(request.block)"
        metadata["buyersNamed"] = facts.buyers.sorted().prefix(32).map { "\($0)" }.joined(separator: ",")
        let a = alert(token: request.token, pool: request.pool, responsible: deployer, causeID: request.cause, severity: severity,
                      description: "\(facts.buyerCount) accounts bought \(request.token) from \(request.pool) and none sold; \(what) at block \(request.block)",
                      metadata: metadata)
        return [.alert(a)]
    }

    func bought(_ account: Address, facts: inout TokenFacts, block: UInt64) {
        if facts.privileged.contains(account) {
            facts.privilegedBuyers += 1
            return
        }
        if facts.firstBuyBlock == nil { facts.firstBuyBlock = block }
        if !facts.buyers.contains(account) {
            facts.buyerCount += 1
            if facts.buyers.count < Self.maxBuyersKept { facts.buyers.insert(account) }
        }
    }

    func sold(_ t: TransactionActivity.Transfer, in tx: TransactionActivity, facts: inout TokenFacts, pool: Address,
              block: ClosedBlock) -> Alert? {
        let seller = t.from
        // A tax: the seller's other transfers of this token in the same transaction.
        let taxes = tx.transfers.filter { $0.token == t.token && $0.from == seller && $0.to != pool && $0.to != seller }
        if !facts.privileged.contains(seller) {
            facts.sellers += 1
            if let tax = taxes.first {
                let taxed = tax.value.doubleValue, sold = t.value.doubleValue
                let rate = taxed / max(taxed + sold, 1)
                guard rate >= maxTax, !facts.alerted else { return nil }
                facts.alerted = true
                return alert(token: t.token, pool: pool, responsible: tax.to, causeID: tax.event.id, severity: severity,
                             description: "\(percentText(rate))% of a sell of \(t.token) into \(pool) went to \(tax.to), not to the pool",
                             metadata: ["mechanism": "sell tax", "taxRate": "\((rate * 1000).rounded() / 1000)", "taxReceiver": "\(tax.to)",
                                        "seller": "\(seller)", "taxed": "\(tax.value)", "soldIntoPool": "\(t.value)",
                                        "transactions": "\(tx.hash)"])
            }
            return nil
        }
        guard !facts.alerted, facts.privilegedBuyers == 0, facts.sellers == 0, facts.buyerCount >= minBuyers,
              let first = facts.firstBuyBlock, block.number.subtractingSaturated(first) >= minHold else { return nil }
        facts.alerted = true
        let deployer = facts.deployer ?? seller
        // A simulated round trip that sold back says buyers can get out: reported, not vetoed.
        let sellable = facts.simulation.map { $0.outcome == .roundTrip && !$0.trapsBuyers(maxTax: maxTax) } ?? false
        var evidence = facts.simulation?.evidence ?? [:]
        if sellable { evidence["simulationSaysSellable"] = "true" }
        return alert(token: t.token, pool: pool, responsible: deployer, causeID: t.event.id, severity: sellable ? min(severity, .medium) : severity,
                     description: "\(facts.buyerCount) accounts bought \(t.token) over \(block.number - first) blocks and none sold; "
                        + "\(seller == deployer ? "its deployer" : "\(seller), funded by its deployer,") sold \(t.value) into \(pool)",
                     metadata: ["mechanism": "sells blocked", "deployer": "\(deployer)", "privilegedSeller": "\(seller)",
                                "buyers": "\(facts.buyerCount)", "buyerSells": "0", "firstBuyBlock": "\(first)",
                                "privilegedSold": "\(t.value)", "transactions": "\(tx.hash)",
                                "buyersNamed": facts.buyers.sorted().prefix(32).map { "\($0)" }.joined(separator: ",")]
                        .merging(evidence) { a, _ in a },
                     extra: seller == deployer ? [] : [seller])
    }

    func alert(token: Address, pool: Address, responsible: Address, causeID: EventID, severity: Alert.Severity, description: String,
               metadata: [String: String], extra: [Address] = []) -> Alert {
        var m = metadata
        m["token"] = "\(token)"
        m["pool"] = "\(pool)"
        m["responsible"] = "\(responsible)"
        return Alert(alertId: "SIGIL-HONEYPOT-1", name: "Honeypot token", description: description, severity: severity, kind: .scam,
                     pool: pool, addresses: [responsible] + extra + [token],
                     labels: [Alert.Label(entity: "\(token)", label: "honeypot", confidence: 0.9),
                              Alert.Label(entity: "\(token)", label: "scam-token", confidence: 0.9),
                              Alert.Label(entity: "\(responsible)", label: "honeypot-owner", confidence: 0.9)],
                     metadata: m, cause: causeID)
    }
}
