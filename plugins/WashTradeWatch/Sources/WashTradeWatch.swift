public import SigilCore
public import SigilPluginAPI

/// `wash-trade-watch`: finds an account, or a small ring of accounts funded from one another,
/// trading a pool back and forth with itself.
///
/// Rule (the volume-matching rule of Victor and Weintraud, "Detecting and Quantifying Wash
/// Trading on Decentralized Cryptocurrency Exchanges", WWW 2021: wash trades leave the
/// trading accounts' position unchanged): within `window_blocks`, the trades on one pool of an
/// account's ring pair up into buys and sells of the same size (within `match_tolerance` on
/// either token's side), at least `min_pairs` such pairs, making at least `min_matched_share`
/// of the ring's volume on the pool, and the ring's trades making at least `min_pool_share` of
/// the pool's volume in the window (a trader whose matched round trips are a sliver of a busy
/// pool's flow, such as a searcher, inflates nothing). The ring is the account with the accounts it funded or
/// was funded by through plain token transfers (transactions without swaps or liquidity
/// changes), up to `max_ring` accounts; an address linked to more than 16 others (a router,
/// an exchange) does not join rings.
///
/// Evidence: the pool, the ring, the matched pairs and volumes on both sides, the ring's net
/// position change, the transactions. The responsible account is the ring member that funded
/// the others (alone: the account itself).
public final class WashTradeWatch: StrategyPlugin {
    public static let kind = "wash-trade-watch"
    public static let summary = "finds accounts trading a pool back and forth with themselves (volume-matched buys and sells)"
    public static let parameterSpecs: [ParameterSpec] = [
        ParameterSpec("window_blocks", .int(1...100_000), default: .int(40), help: "blocks over which buys and sells are matched"),
        ParameterSpec("min_pairs", .int(2...10_000), default: .int(4), help: "matched buy/sell pairs that make wash trading", reloadable: true),
        ParameterSpec("match_tolerance", .double(0...0.5), default: .double(0.02),
                      help: "how far a sell's size may be from its buy's, as a share of the larger", reloadable: true),
        ParameterSpec("min_matched_share", .double(0.1...1), default: .double(0.8),
                      help: "share of the ring's volume on the pool that must be matched", reloadable: true),
        ParameterSpec("min_pool_share", .double(0...1), default: .double(0.5),
                      help: "share of the pool's volume in the window the ring's trades must make", reloadable: true),
        ParameterSpec("max_ring", .int(1...64), default: .int(8), help: "accounts in a ring at most"),
        ParameterSpec("severity", .string(allowed: Alert.Severity.allCases.map(\.rawValue)), default: .string("high"),
                      help: "severity of the alert (high or critical vetoes buys of the pool's tokens)", reloadable: true),
    ]
    public static let modelRoles: [String] = []
    public static let detects = ["wash_trading"]
    public static let wantsBlocks = true

    /// Bounds on what the plugin remembers.
    static let maxTradesPerPool = 512, maxPools = 4_096, maxLinked = 65_536, hubDegree = 16, maxAlerted = 65_536

    public let eventKinds: Set<String> = ["v2.swap", "v3.swap", "erc20.transfer"]
    let window: UInt64, minPairs: Int, tolerance: Double, minMatched: Double, minPoolShare: Double, maxRing: Int, severity: Alert.Severity

    /// One account's trade on a pool, as the pool saw it.
    public struct Trade: Codable, Sendable, Hashable {
        public var block: UInt64
        public var tx: Hash32
        public var account: Address
        /// True when the account received token0 (it bought token0).
        public var bought0: Bool
        public var amount0: UInt256
        public var amount1: UInt256
    }

    public struct State: Codable, Sendable {
        /// Recent trades per pool, oldest first.
        public var trades: [Address: [Trade]] = [:]
        /// Funding links between accounts (plain transfers either way).
        public var links: [Address: Set<Address>] = [:]
        /// The first account that sent each account tokens in a plain transfer.
        public var fundedBy: [Address: Address] = [:]
        /// Rings already alerted, per pool ("pool/responsible"); forgotten all at once past the bound.
        public var alerted: Set<String> = []
        /// The block of the last sweep of every pool's trades (nil in older snapshots).
        public var lastSweep: UInt64?
    }

    public var state = State()

    public init(windowBlocks: UInt64 = 40, minPairs: Int = 4, matchTolerance: Double = 0.02, minMatchedShare: Double = 0.8,
                minPoolShare: Double = 0.5, maxRing: Int = 8, severity: Alert.Severity = .high) {
        self.minPoolShare = minPoolShare
        window = windowBlocks
        self.minPairs = minPairs
        tolerance = matchTolerance
        minMatched = minMatchedShare
        self.maxRing = maxRing
        self.severity = severity
    }

    public convenience init(parameters v: ParameterValues, models: [String: any PredictiveModel] = [:]) {
        self.init(windowBlocks: UInt64(v.int("window_blocks")), minPairs: Int(v.int("min_pairs")), matchTolerance: v.double("match_tolerance"),
                  minMatchedShare: v.double("min_matched_share"), minPoolShare: v.double("min_pool_share"), maxRing: Int(v.int("max_ring")),
                  severity: Alert.Severity(rawValue: v.string("severity")) ?? .high)
    }

    public func handle(_ event: MarketEvent, pool: PoolSnapshot) -> [PluginOutput] { [] }

    public func blockClosed(_ block: ClosedBlock) -> [PluginOutput] {
        var touched: [Address: Set<Address>] = [:]  // pool -> accounts that traded it this block
        for tx in block.activity {
            if tx.swaps.isEmpty, tx.liquidityPools.isEmpty {
                for t in tx.transfers where t.from != t.to && t.from != .zero && t.to != .zero
                    && block.pools[t.from] == nil && block.pools[t.to] == nil && state.trades[t.from] == nil && state.trades[t.to] == nil {
                    link(t.from, t.to)
                }
                continue
            }
            guard let account = tx.trader else { continue }
            for pool in tx.swapPools {
                let mine = tx.swaps.filter { $0.pool == pool }
                guard let first = mine.first, mine.allSatisfy({ $0.amounts.sellsToken0 == first.amounts.sellsToken0 }) else { continue }
                var a0 = UInt256.zero, a1 = UInt256.zero
                for s in mine {
                    a0 = a0.addingSaturated(s.amounts.amount0)
                    a1 = a1.addingSaturated(s.amounts.amount1)
                }
                var list = state.trades[pool] ?? []
                list.append(Trade(block: block.number, tx: tx.hash, account: account, bought0: !first.amounts.sellsToken0, amount0: a0, amount1: a1))
                if list.count > Self.maxTradesPerPool { list.removeFirst(list.count - Self.maxTradesPerPool) }
                state.trades[pool] = list
                touched[pool, default: []].insert(account)
            }
        }
        prune(at: block.number, pools: touched.keys)
        var out: [PluginOutput] = []
        for pool in touched.keys.sorted() {
            var judged = Set<Address>()
            for account in (touched[pool] ?? []).sorted() where !judged.contains(account) {
                let ring = self.ring(of: account)
                judged.formUnion(ring)
                if let alert = judge(pool: pool, ring: ring, block: block) { out.append(.alert(alert)) }
            }
        }
        return out
    }

    /// Drops the trades of `pools` older than the window — and once a window, every pool's,
    /// with the pools that have none left — and the stalest pools past the bound.
    func prune(at block: UInt64, pools: some Collection<Address>) {
        let oldest = block.subtractingSaturated(window)
        func sweep(_ pool: Address) {
            guard let list = state.trades[pool], let first = list.first, first.block < oldest else { return }
            let kept = list.filter { $0.block >= oldest }
            state.trades[pool] = kept.isEmpty ? nil : kept
        }
        if let last = state.lastSweep, block >= last, block - last < max(window, 1) {
            for pool in pools { sweep(pool) }
        } else {
            for pool in Array(state.trades.keys) { sweep(pool) }
            state.lastSweep = block
        }
        if state.trades.count > Self.maxPools {
            let stale = state.trades.sorted { ($0.value.last?.block ?? 0) < ($1.value.last?.block ?? 0) }.prefix(state.trades.count - Self.maxPools)
            for (pool, _) in stale { state.trades[pool] = nil }
        }
    }

    func link(_ a: Address, _ b: Address) {
        guard state.links.count < Self.maxLinked || (state.links[a] != nil && state.links[b] != nil) else { return }
        if state.fundedBy[b] == nil, state.fundedBy.count < Self.maxLinked { state.fundedBy[b] = a }
        for (x, y) in [(a, b), (b, a)] {
            var s = state.links[x] ?? []
            // A hub keeps one link more than the hub degree, enough to be known as a hub.
            if s.count <= Self.hubDegree { s.insert(y) }
            state.links[x] = s
        }
    }

    /// The account and the accounts reachable from it through funding links, skipping hubs.
    func ring(of account: Address) -> [Address] {
        var seen: Set<Address> = [account], queue = [account], i = 0
        while i < queue.count, seen.count < maxRing {
            let x = queue[i]
            i += 1
            guard let next = state.links[x], next.count <= Self.hubDegree else { continue }
            for y in next.sorted() where seen.count < maxRing && !seen.contains(y) {
                if let deg = state.links[y]?.count, deg > Self.hubDegree { continue }
                seen.insert(y)
                queue.append(y)
            }
        }
        return queue
    }

    func sameSize(_ a: Trade, _ b: Trade) -> Bool {
        func close(_ x: UInt256, _ y: UInt256) -> Bool {
            let p = x.doubleValue, q = y.doubleValue
            return max(p, q) > 0 && abs(p - q) <= tolerance * max(p, q)
        }
        return close(a.amount0, b.amount0) || close(a.amount1, b.amount1)
    }

    func judge(pool: Address, ring: [Address], block: ClosedBlock) -> Alert? {
        let members = Set(ring)
        let all = state.trades[pool] ?? []
        let trades = all.filter { members.contains($0.account) }
        guard trades.count >= 2 * minPairs else { return nil }
        let poolVolume = all.reduce(0.0) { $0 + $1.amount0.doubleValue }
        var used = [Bool](repeating: false, count: trades.count)
        var pairs: [(Int, Int)] = []
        for i in trades.indices where !used[i] {
            guard let j = trades.indices.first(where: { $0 > i && !used[$0] && trades[$0].bought0 != trades[i].bought0 && sameSize(trades[i], trades[$0]) })
            else { continue }
            used[i] = true
            used[j] = true
            pairs.append((i, j))
        }
        let total = trades.reduce(0.0) { $0 + $1.amount0.doubleValue }
        let matched = pairs.reduce(0.0) { $0 + trades[$1.0].amount0.doubleValue + trades[$1.1].amount0.doubleValue }
        guard pairs.count >= minPairs, total > 0, matched / total >= minMatched, total >= minPoolShare * poolVolume else { return nil }
        let responsible = funder(of: ring, trades: trades)
        let key = "\(pool)/\(responsible)"
        guard !state.alerted.contains(key) else { return nil }
        if state.alerted.count >= Self.maxAlerted { state.alerted = [] }
        state.alerted.insert(key)
        var net0 = 0.0, net1 = 0.0, vol1 = 0.0
        for t in trades {
            net0 += t.bought0 ? t.amount0.doubleValue : -t.amount0.doubleValue
            net1 += t.bought0 ? -t.amount1.doubleValue : t.amount1.doubleValue
            vol1 += t.amount1.doubleValue
        }
        let traders = ring.filter { a in trades.contains { $0.account == a } }
        let snapshot = block.pools[pool]
        let txs = trades.map { "\($0.tx)" }
        let metadata: [String: String] = [
            "pool": "\(pool)", "ring": ring.map { "\($0)" }.joined(separator: ","), "traders": traders.map { "\($0)" }.joined(separator: ","),
            "responsible": "\(responsible)",
            "pairs": "\(pairs.count)", "poolShare": format2(total / max(poolVolume, 1)), "trades": "\(trades.count)", "matchedShare": String(format2(matched / total)),
            "volume0": "\(total)", "volume1": "\(vol1)", "net0": "\(net0)", "net1": "\(net1)",
            "token0": snapshot?.token0.map { "\($0)" } ?? "", "token1": snapshot?.token1.map { "\($0)" } ?? "",
            "firstBlock": "\(trades.first?.block ?? block.number)", "lastBlock": "\(trades.last?.block ?? block.number)",
            "transactions": txs.suffix(64).joined(separator: ","),
        ]
        guard let cause = block.events.last(where: { $0.emitter == pool }) ?? block.events.last else { return nil }
        return Alert(alertId: "SIGIL-WASH-1", name: "Wash trading",
                     description: "\(ring.count == 1 ? "\(responsible)" : "a ring of \(ring.count) accounts funded by \(responsible)") traded \(pool) back and forth: "
                        + "\(pairs.count) matched buy/sell pairs, \(percentText(matched / total))% of its volume",
                     severity: severity, kind: .suspicious, pool: pool, addresses: [responsible] + ring.filter { $0 != responsible },
                     labels: [Alert.Label(entity: "\(responsible)", label: "wash-trader", confidence: min(1, matched / total))]
                        + ring.filter { $0 != responsible }.map { Alert.Label(entity: "\($0)", label: "wash-ring-member", confidence: 0.8) },
                     metadata: metadata, cause: cause.id)
    }

    /// The ring member that funded the most other members; alone or tied, the one with the
    /// most trades, then the lowest address.
    func funder(of ring: [Address], trades: [Trade]) -> Address {
        func score(_ a: Address) -> (Int, Int) {
            (ring.filter { state.fundedBy[$0] == a }.count, trades.filter { $0.account == a }.count)
        }
        return ring.max { score($0) < score($1) || (score($0) == score($1) && $0 > $1) } ?? ring[0]
    }

    func format2(_ x: Double) -> String { "\((x * 100).rounded() / 100)" }
}
