public import SigilCore
public import SigilPluginAPI

/// `momentum`: a model-free baseline on any venue. After each swap of a pool or trade of an
/// off-chain market it compares the price with the price `lookback` swaps or trades earlier;
/// a rise of at least `threshold` is a buy of the asset (a pool's token0, a coin), a fall of
/// at least `threshold` a sell. At most one signal per market every `cooldown` events.
public final class Momentum: StrategyPlugin {
    public static let kind = "momentum"
    public static let summary = "model-free baseline: buy after a rise, sell after a fall over the last swaps or trades (pools and Hyperliquid)"
    public static let modelRoles: [String] = []
    public static let parameterSpecs: [ParameterSpec] = [
        ParameterSpec("lookback", .int(1...Int64(MarketSnapshot.tradeHistory - 1)), default: .int(20),
                      help: "swaps or trades between the two prices compared (at most \(PoolSnapshot.swapHistory - 1) for pools)"),
        ParameterSpec("threshold", .double(1e-6...10), default: .double(0.002),
                      help: "relative price change that makes a signal (0.002 = 0.2%)", reloadable: true),
        ParameterSpec("cooldown", .int(0...1_000_000), default: .int(20),
                      help: "events of the same market between two signals", reloadable: true),
    ]

    public let eventKinds: Set<String> = ["v2.swap", "v3.swap", "hl.trade"]
    let lookback: Int
    let threshold: Double
    let cooldown: Int
    /// Events seen per market since its last signal.
    public struct State: Codable, Sendable {
        public var sinceSignal: [Address: Int] = [:]
    }

    public var state = State()

    public init(parameters: ParameterValues, models: [String: any PredictiveModel]) throws {
        lookback = Int(parameters.int("lookback"))
        threshold = parameters.double("threshold")
        cooldown = Int(parameters.int("cooldown"))
    }

    public func handle(_ event: MarketEvent, pool: PoolSnapshot) -> [PluginOutput] {
        // Only a swap that just happened (the history's last point is this block's).
        guard let last = pool.recentSwaps.last, last.block == event.id.blockNumber else { return [] }
        return judge(prices: pool.recentSwaps.lazy.map(\.price), market: pool.address, cause: event,
                     metadata: ["venue": pool.dex.rawValue, "asset": pool.token0.map { "\($0)" } ?? ""])
    }

    public func handle(_ event: MarketEvent, market: MarketSnapshot) -> [PluginOutput] {
        guard case .hlTrade = event.payload else { return [] }
        return judge(prices: market.recentTrades.lazy.map(\.price), market: market.address, cause: event,
                     metadata: ["venue": market.venue, "asset": market.coin])
    }

    func judge(prices: some BidirectionalCollection<Double>, market: Address, cause: MarketEvent, metadata: [String: String]) -> [PluginOutput] {
        let seen = (state.sinceSignal[market] ?? cooldown) + 1
        state.sinceSignal[market] = seen
        guard seen > cooldown, prices.count > lookback,
              let now = prices.last, case let then = prices[prices.index(prices.endIndex, offsetBy: -(lookback + 1))],
              then > 0, now > 0, now.isFinite, then.isFinite
        else { return [] }
        let change = now / then - 1
        guard abs(change) >= threshold else { return [] }
        state.sinceSignal[market] = 0
        var meta = metadata
        meta["change"] = "\(change)"
        meta["price"] = "\(now)"
        meta["lookback"] = "\(lookback)"
        return [.signal(Signal(side: change > 0 ? .buy : .sell, pool: market, confidence: min(1, abs(change) / (2 * threshold)),
                               model: nil, metadata: meta, cause: cause.id))]
    }
}
