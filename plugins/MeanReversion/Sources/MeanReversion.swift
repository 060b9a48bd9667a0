public import SigilCore
public import SigilPluginAPI

/// `mean-reversion`: a model-free baseline on any venue, the opposite bet of `momentum`. After
/// each swap of a pool or trade of an off-chain market it measures how far the price is from
/// the mean of the `lookback` prices before it, in standard deviations of those prices: at
/// `entry_z` or more below, a buy of the asset (a pool's token0, a coin); at `entry_z` or more
/// above, a sell. At most one signal per market every `cooldown` events.
public final class MeanReversion: StrategyPlugin {
    public static let kind = "mean-reversion"
    public static let summary = "model-free baseline: buy when the price is far below its recent mean, sell when far above (pools and Hyperliquid)"
    public static let modelRoles: [String] = []
    public static let parameterSpecs: [ParameterSpec] = [
        ParameterSpec("lookback", .int(2...Int64(MarketSnapshot.tradeHistory - 1)), default: .int(30),
                      help: "swaps or trades whose prices make the mean (at most \(PoolSnapshot.swapHistory - 1) for pools)"),
        ParameterSpec("entry_z", .double(0.1...20), default: .double(2.0),
                      help: "distance from the mean, in standard deviations, that makes a signal", reloadable: true),
        ParameterSpec("cooldown", .int(0...1_000_000), default: .int(20),
                      help: "events of the same market between two signals", reloadable: true),
    ]
    /// Markets remembered at most (past it the counters start afresh).
    static let maxMarkets = 65_536

    public let eventKinds: Set<String> = ["v2.swap", "v3.swap", "hl.trade"]
    let lookback: Int
    let entryZ: Double
    let cooldown: Int

    /// Events seen per market since its last signal.
    public struct State: Codable, Sendable {
        public var sinceSignal: [Address: Int] = [:]
    }

    public var state = State()

    public init(lookback: Int = 30, entryZ: Double = 2.0, cooldown: Int = 20) {
        self.lookback = lookback
        self.entryZ = entryZ
        self.cooldown = cooldown
    }

    public convenience init(parameters: ParameterValues, models: [String: any PredictiveModel]) throws {
        self.init(lookback: Int(parameters.int("lookback")), entryZ: parameters.double("entry_z"), cooldown: Int(parameters.int("cooldown")))
    }

    public func handle(_ event: MarketEvent, pool: PoolSnapshot) -> [PluginOutput] {
        guard let last = pool.recentSwaps.last, last.block == event.id.blockNumber else { return [] }
        return judge(prices: pool.recentSwaps.map(\.price), market: pool.address, cause: event,
                     metadata: ["venue": pool.dex.rawValue, "asset": pool.token0.map { "\($0)" } ?? ""])
    }

    public func handle(_ event: MarketEvent, market: MarketSnapshot) -> [PluginOutput] {
        guard case .hlTrade = event.payload else { return [] }
        return judge(prices: market.recentTrades.map(\.price), market: market.address, cause: event,
                     metadata: ["venue": market.venue, "asset": market.coin])
    }

    func judge(prices: [Double], market: Address, cause: MarketEvent, metadata: [String: String]) -> [PluginOutput] {
        if state.sinceSignal[market] == nil, state.sinceSignal.count >= Self.maxMarkets { state.sinceSignal = [:] }
        let seen = (state.sinceSignal[market] ?? cooldown) + 1
        state.sinceSignal[market] = seen
        guard seen > cooldown, prices.count > lookback, let now = prices.last, now.isFinite, now > 0 else { return [] }
        let window = prices[(prices.count - 1 - lookback)..<(prices.count - 1)]
        guard window.allSatisfy({ $0.isFinite && $0 > 0 }) else { return [] }
        let mean = window.reduce(0, +) / Double(window.count)
        let variance = window.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(window.count)
        let sd = variance.squareRoot()
        guard sd > 0, sd.isFinite else { return [] }
        let z = (now - mean) / sd
        guard abs(z) >= entryZ else { return [] }
        state.sinceSignal[market] = 0
        var meta = metadata
        meta["z"] = "\(z)"
        meta["mean"] = "\(mean)"
        meta["price"] = "\(now)"
        meta["lookback"] = "\(lookback)"
        return [.signal(Signal(side: z < 0 ? .buy : .sell, pool: market, confidence: min(1, abs(z) / (2 * entryZ)),
                               model: nil, metadata: meta, cause: cause.id))]
    }
}
