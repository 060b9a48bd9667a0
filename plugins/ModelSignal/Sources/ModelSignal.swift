public import SigilCore
public import SigilPluginAPI

/// `model-signal`: after each swap, the pool's recent-swap features go through a verified
/// model predicting whether token0's price (in token1) rises over the next swaps; a confident
/// prediction becomes a buy or sell signal for token0, naming the model that made it.
public final class ModelSignal: StrategyPlugin {
    public static let kind = "model-signal"
    public static let summary = "buy/sell signals from a verified model over a pool's recent swaps"
    public static let modelRoles = ["signal"]
    public static let parameterSpecs: [ParameterSpec] = [
        ParameterSpec("threshold", .double(0.5...1), default: .double(0.6),
                      help: "buy when the model's probability of a rise is at least this; sell when at most 1 − this", reloadable: true),
        ParameterSpec("cooldown_blocks", .int(0...1_000_000), default: .int(10),
                      help: "blocks between two signals on the same pool", reloadable: true),
    ]

    public static let modelFeatures = ["signal": SwapFeatures.definition]

    public let eventKinds: Set<String> = ["v2.swap", "v3.swap"]
    var model: any PredictiveModel
    let threshold: Double
    let cooldown: UInt64
    /// The block of the last signal per pool.
    public struct State: Codable, Sendable {
        public var lastSignal: [Address: UInt64] = [:]
    }

    public var state = State()

    public init(parameters: ParameterValues, models: [String: any PredictiveModel]) throws {
        guard let m = models["signal"] else { throw PluginError("model-signal needs a model in the role 'signal'") }
        guard m.featureNames == SwapFeatures.names else {
            throw PluginError("model \(m.reference.id) expects features \(m.featureNames), model-signal computes \(SwapFeatures.names)")
        }
        model = m
        threshold = parameters.double("threshold")
        cooldown = UInt64(parameters.int("cooldown_blocks"))
    }

    public func handle(_ event: MarketEvent, pool: PoolSnapshot) -> [PluginOutput] {
        let block = event.id.blockNumber
        // Blocks come from outside and may go backwards (a reorg, a faulty recording): a swap at or
        // below the last signal's block is within the cooldown, never an underflow.
        if let last = state.lastSignal[pool.address], block.subtractingSaturated(last) < cooldown { return [] }
        guard let features = SwapFeatures.compute(pool.recentSwaps[...]),
              let p = try? model.predict(features, rows: 1).first, p.isFinite
        else { return [] }
        let side: Signal.Side
        if Double(p) >= threshold { side = .buy } else if Double(p) <= 1 - threshold { side = .sell } else { return [] }
        state.lastSignal[pool.address] = block
        let confidence = side == .buy ? Double(p) : 1 - Double(p)
        var meta = ["probabilityUp": "\(p)", "asset": pool.token0.map { "\($0)" } ?? ""]
        for (name, value) in zip(SwapFeatures.names, features) { meta[name] = "\(value)" }
        return [.signal(Signal(side: side, pool: pool.address, confidence: confidence, model: model.reference,
                               metadata: meta, cause: event.id))]
    }

    public func replaceModel(role: String, with model: any PredictiveModel) -> Bool {
        guard role == "signal", model.featureNames == SwapFeatures.names else { return false }
        self.model = model
        return true
    }
}
