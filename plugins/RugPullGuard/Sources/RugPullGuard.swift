public import SigilCore
public import SigilPluginAPI

/// `rug-pull-guard`: alerts when a young pool loses most of its liquidity.
///
/// Rule: a liquidity removal that takes at least `minShare` of what the pool held just
/// before (V2: token0 reserve; V3: position liquidity) — or several removals within
/// `windowBlocks` that together take that share of the pool's peak — while the pool is at most
/// `maxAgeBlocks` old, is a rug pull: severity critical, type scam. Older pools and smaller
/// trims are left alone.
///
/// The account that received the liquidity is named (`recipient`), judged at the block's close
/// from its token transfers: the receiver of the pool's tokens, followed through a contract
/// that passed them on in the same transaction (the router's `removeLiquidityETH` burns to the
/// router, which forwards the tokens); for V3, where the burn's owner is the position manager,
/// the receiver of the tokens the pool paid out in a later transaction of the block (the
/// `collect`). Without transfers (a feed that does not follow them), a V2 burn's `to` is named
/// and a V3 recipient is left empty.
public final class RugPullGuard: StrategyPlugin {
    public static let kind = "rug-pull-guard"
    public static let summary = "alerts when a young pool loses most of its liquidity"
    public static let parameterSpecs: [ParameterSpec] = [
        ParameterSpec("min_share", .double(0.01...1), default: .double(0.5),
                      help: "share of the pool's liquidity whose removal is a rug pull", reloadable: true),
        ParameterSpec("max_age_blocks", .int(1...10_000_000), default: .int(7_200),
                      help: "pools older than this many blocks are not judged", reloadable: true),
        ParameterSpec("window_blocks", .int(0...1_000_000), default: .int(50),
                      help: "removals within this many blocks add up"),
    ]

    public struct Parameters: Hashable, Sendable {
        /// Share of liquidity that makes a removal a rug pull, in (0, 1].
        public var minShare: Double = 0.5
        /// Pools older than this (in blocks since creation) are not judged.
        public var maxAgeBlocks: UInt64 = 7_200
        /// Removals within this many blocks add up.
        public var windowBlocks: UInt64 = 50

        public init(minShare: Double = 0.5, maxAgeBlocks: UInt64 = 7_200, windowBlocks: UInt64 = 50) {
            self.minShare = minShare
            self.maxAgeBlocks = maxAgeBlocks
            self.windowBlocks = windowBlocks
        }
    }

    public let parameters: Parameters
    public let eventKinds: Set<String> = ["v2.burn", "v3.burn", "v3.mint", "erc20.transfer"]
    public static let wantsBlocks = true
    /// One liquidity removal: its block and the share of the pool's peak it took.
    public struct Removal: Codable, Sendable, Hashable {
        public var block: UInt64
        public var shareOfPeak: Double
    }

    public struct State: Codable, Sendable {
        /// Recent removals per pool.
        public var removals: [Address: [Removal]] = [:]
        /// Pools already alerted (one alert per pool).
        public var alerted: Set<Address> = []
        /// Rug pulls found in the open block, named and emitted when it closes.
        public var found: [Finding] = []
        /// V3 positions (pool and tick range) minted in the open block: withdrawn in the same
        /// block, they are just-in-time liquidity, not the pool's.
        public var mintedThisBlock: Set<String> = []
    }

    /// A rug pull found at a burn, waiting for its block's transfers to name the recipient.
    public struct Finding: Codable, Sendable {
        public var pool: Address
        public var token0: Address?
        public var token1: Address?
        public var dex: String
        public var pulled: Double
        public var age: UInt64
        public var burnTo: Address?
        public var cause: EventID
    }

    public var state = State()

    public init(parameters: Parameters = Parameters()) {
        self.parameters = parameters
    }

    public static let modelRoles: [String] = []
    public static let detects = ["rug_pull"]

    public convenience init(parameters values: ParameterValues, models: [String: any PredictiveModel] = [:]) {
        self.init(parameters: Parameters(minShare: values.double("min_share"),
                                         maxAgeBlocks: UInt64(values.int("max_age_blocks")),
                                         windowBlocks: UInt64(values.int("window_blocks"))))
    }

    public func handle(_ event: MarketEvent, pool: PoolSnapshot) -> [PluginOutput] {
        guard !state.alerted.contains(pool.address), let age = pool.age(at: event.id.blockNumber), age <= parameters.maxAgeBlocks else {
            return []
        }
        let removed: Double, before: Double
        var recipient: Address?
        switch event.payload {
        case .v2Burn(_, let to, let amount0, _):
            removed = amount0.doubleValue
            before = pool.reserve0.doubleValue + removed  // the pair's Sync precedes its Burn
            recipient = to
        case .v3Mint(_, _, let lower, let upper, _, _, _):
            state.mintedThisBlock.insert("\(pool.address)/\(lower)/\(upper)")
            return []
        case .v3Burn(_, let lower, let upper, let amount, _, _):
            guard !state.mintedThisBlock.contains("\(pool.address)/\(lower)/\(upper)") else { return [] }
            removed = amount.doubleValue
            before = pool.positionLiquidity + removed
        default:
            return []
        }
        guard before > 0, removed > 0 else { return [] }
        let share = removed / before
        let peak = max(pool.peakLiquidity, before)
        // A removal recorded at a higher block than this one (blocks out of order) still counts.
        var recent = (state.removals[pool.address] ?? []).filter { event.id.blockNumber.subtractingSaturated($0.block) <= parameters.windowBlocks }
        recent.append(Removal(block: event.id.blockNumber, shareOfPeak: removed / peak))
        state.removals[pool.address] = recent
        let windowShare = recent.reduce(0) { $0 + $1.shareOfPeak }
        guard share >= parameters.minShare || windowShare >= parameters.minShare else { return [] }
        state.alerted.insert(pool.address)
        state.found.append(Finding(pool: pool.address, token0: pool.token0, token1: pool.token1, dex: pool.dex.rawValue,
                                   pulled: max(share, windowShare), age: age, burnTo: recipient, cause: event.id))
        return []
    }

    public func blockClosed(_ block: ClosedBlock) -> [PluginOutput] {
        state.mintedThisBlock = []
        guard !state.found.isEmpty else { return [] }
        let found = state.found
        state.found = []
        let activity = block.activity
        return found.map { .alert(alert($0, recipient: recipient(of: $0, in: activity))) }
    }

    /// Who received the pool's tokens: for V2 the burn's `to`, for V3 the receiver of the pool's
    /// payout in a later transaction of the block; then followed through whoever forwarded them
    /// in the same transaction (at most 4 hops).
    func recipient(of f: Finding, in activity: [TransactionActivity]) -> Address? {
        let tokens = Set([f.token0, f.token1].compactMap { $0 })
        var txIndex = activity.firstIndex { $0.hash == f.cause.transactionHash }
        var who = f.burnTo
        var after = f.cause.logIndex
        if f.burnTo == nil, let start = txIndex {
            // V3: the first later transfer out of the pool outside a swap (the collect).
            search: for k in start..<activity.count where activity[k].swaps.allSatisfy({ $0.pool != f.pool }) {
                for t in activity[k].transfers where t.from == f.pool && tokens.contains(t.token) && (k > start || t.event.id.logIndex > after) {
                    who = t.to
                    txIndex = k
                    after = t.event.id.logIndex
                    break search
                }
            }
        }
        guard var current = who, let k = txIndex else { return who }
        for _ in 0..<4 {
            guard let next = activity[k].transfers.first(where: { $0.from == current && $0.to != current && $0.to != .zero
                                                                  && tokens.contains($0.token) && $0.event.id.logIndex > after }) else { break }
            current = next.to
            after = next.event.id.logIndex
        }
        return current
    }

    func alert(_ f: Finding, recipient: Address?) -> Alert {
        let percent = percentText(f.pulled)
        var addresses = [f.pool]
        if let t0 = f.token0 { addresses.append(t0) }
        if let t1 = f.token1 { addresses.append(t1) }
        if let r = recipient { addresses.append(r) }
        var labels = [Alert.Label(entity: "\(f.pool)", label: "rug-pull", confidence: min(1, 0.5 + f.pulled / 2))]
        if let r = recipient { labels.append(Alert.Label(entity: "\(r)", label: "rug-puller", confidence: min(1, f.pulled))) }
        return Alert(
            alertId: "SIGIL-RUG-PULL-1",
            name: "Rug pull",
            description: "\(percent)% of the liquidity of \(f.pool) was removed \(f.age) blocks after it was created",
            severity: .critical,
            kind: .scam,
            pool: f.pool,
            addresses: addresses,
            labels: labels,
            metadata: ["sharePulled": String(format2(f.pulled)), "ageBlocks": "\(f.age)", "dex": f.dex,
                       "recipient": recipient.map { "\($0)" } ?? "", "responsible": recipient.map { "\($0)" } ?? ""],
            cause: f.cause
        )
    }

    func format2(_ x: Double) -> String {
        let v = (x * 100).rounded() / 100
        return "\(v)"
    }
}
