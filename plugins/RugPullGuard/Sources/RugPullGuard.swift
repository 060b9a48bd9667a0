public import SigilCore
public import SigilPluginAPI

/// `rug-pull-guard`: alerts when a young pool loses most of its liquidity.
///
/// Rule: a liquidity removal that takes at least `minShare` of what the pool held just
/// before (V2: token0 reserve; V3: position liquidity) — or several removals within
/// `windowBlocks` that together take that share of the pool's peak — while the pool is at most
/// `maxAgeBlocks` old, is a rug pull: severity critical, type scam. Older pools and smaller
/// trims are left alone. The recipient of a V2 burn (who took the tokens) is named.
public final class RugPullGuard: StrategyPlugin {
    public static let kind = "rug-pull-guard"
    public static let summary = "alerts when a young pool loses most of its liquidity"
    public static let parameterSpecs: [ParameterSpec] = [
        ParameterSpec("min_share", .double(0.01...1), default: .double(0.5),
                      help: "share of the pool's liquidity whose removal is a rug pull"),
        ParameterSpec("max_age_blocks", .int(1...10_000_000), default: .int(7_200),
                      help: "pools older than this many blocks are not judged"),
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
    public let eventKinds: Set<String> = ["v2.burn", "v3.burn"]
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
    }

    public var state = State()

    public init(parameters: Parameters = Parameters()) {
        self.parameters = parameters
    }

    public static let modelRoles: [String] = []

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
        case .v3Burn(_, _, _, let amount, _, _):
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
        let pulled = max(share, windowShare)
        let percent = Int((pulled * 100).rounded())
        var addresses = [pool.address]
        if let t0 = pool.token0 { addresses.append(t0) }
        if let t1 = pool.token1 { addresses.append(t1) }
        if let r = recipient { addresses.append(r) }
        var labels = [Alert.Label(entity: "\(pool.address)", label: "rug-pull", confidence: min(1, 0.5 + pulled / 2))]
        if let r = recipient { labels.append(Alert.Label(entity: "\(r)", label: "rug-puller", confidence: min(1, pulled))) }
        return [.alert(Alert(
            alertId: "SIGIL-RUG-PULL-1",
            name: "Rug pull",
            description: "\(percent)% of the liquidity of \(pool.address) was removed \(age) blocks after it was created",
            severity: .critical,
            kind: .scam,
            pool: pool.address,
            addresses: addresses,
            labels: labels,
            metadata: ["sharePulled": String(format2(pulled)), "ageBlocks": "\(age)", "dex": pool.dex.rawValue,
                       "recipient": recipient.map { "\($0)" } ?? ""],
            cause: event.id
        ))]
    }

    func format2(_ x: Double) -> String {
        let v = (x * 100).rounded() / 100
        return "\(v)"
    }
}
