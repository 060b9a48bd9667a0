import Foundation
public import SigilCore
public import SigilPluginAPI

/// `anomaly-model`: scores every swap with a verified model that learned what ordinary flow
/// looks like (an autoencoder trained on a recording with no fraud in it: `make models`), and
/// alerts when a swap's score — how badly the model reconstructs its features — is at least
/// `threshold`. The features read the swap and its account's recent flow in the pool
/// (`AnomalyFeatures`). The model knows nothing of fraud kinds: it says "this swap is unlike the
/// flow I learned", with the features and the score as evidence, and names the account that
/// received the swap's output.
public final class AnomalyModel: StrategyPlugin {
    public static let kind = "anomaly-model"
    public static let summary = "alerts on swaps a verified model of ordinary flow cannot reconstruct (autoencoder anomaly score)"
    public static let modelRoles = ["anomaly"]
    public static let modelFeatures = ["anomaly": AnomalyFeatures.definition]
    public static let parameterSpecs: [ParameterSpec] = [
        ParameterSpec("threshold", .double(0.01...1_000_000), default: .double(15),
                      help: "anomaly score (mean squared reconstruction error of the standardised features) at which a swap alerts", reloadable: true),
        ParameterSpec("cooldown_blocks", .int(0...1_000_000), default: .int(0),
                      help: "blocks between two alerts on the same pool", reloadable: true),
        ParameterSpec("severity", .string(allowed: Alert.Severity.allCases.map(\.rawValue)), default: .string("medium"),
                      help: "severity of the alert (high or critical vetoes buys of the pool's tokens)", reloadable: true),
    ]
    public static let detects = ["holder_dump", "wash_trading"]

    public let eventKinds: Set<String> = ["v2.swap", "v3.swap"]
    var model: any PredictiveModel
    let threshold: Double, cooldown: UInt64, severity: Alert.Severity

    public struct State: Codable, Sendable {
        /// The block of the last alert per pool.
        public var lastAlert: [Address: UInt64] = [:]
    }

    public var state = State()
    static let maxPools = 65_536

    public init(parameters: ParameterValues, models: [String: any PredictiveModel]) throws {
        guard let m = models["anomaly"] else { throw PluginError("anomaly-model needs a model in the role 'anomaly'") }
        guard m.featureNames == AnomalyFeatures.names else {
            throw PluginError("model \(m.reference.id) expects features \(m.featureNames), anomaly-model computes \(AnomalyFeatures.names)")
        }
        model = m
        threshold = parameters.double("threshold")
        cooldown = UInt64(parameters.int("cooldown_blocks"))
        severity = Alert.Severity(rawValue: parameters.string("severity")) ?? .medium
    }

    public func handle(_ event: MarketEvent, pool: PoolSnapshot) -> [PluginOutput] {
        guard let last = pool.recentSwaps.last, last.block == event.id.blockNumber else { return [] }
        let block = event.id.blockNumber
        if let previous = state.lastAlert[pool.address], block.subtractingSaturated(previous) < cooldown, block >= previous { return [] }
        guard let features = AnomalyFeatures.compute(pool), let score = try? model.predict(features, rows: 1).first,
              score.isFinite, Double(score) >= threshold else { return [] }
        if state.lastAlert.count >= Self.maxPools, state.lastAlert[pool.address] == nil { state.lastAlert.removeAll(keepingCapacity: true) }
        state.lastAlert[pool.address] = block
        let trader = event.swapRecipient
        var meta = ["score": "\(score)", "threshold": "\(threshold)", "responsible": trader.map { "\($0)" } ?? "",
                    "model": model.reference.id, "modelVersion": "\(model.reference.version)", "transactions": "\(event.id.transactionHash)",
                    "side": last.boughtToken0 ? "bought token0" : "sold token0"]
        for (name, value) in zip(AnomalyFeatures.names, features) { meta[name] = "\(value)" }
        let description = "swap on \(pool.address) scores \(String(format: "%.1f", Double(score))) against the model of ordinary flow (alerts at \(String(format: "%.1f", threshold)))"
        return [.alert(Alert(alertId: "SIGIL-ANOMALY-1", name: "Anomalous swap", description: description, severity: severity,
                             kind: .suspicious, pool: pool.address, addresses: trader.map { [$0] } ?? [], labels: [],
                             metadata: meta, cause: event.id))]
    }

    public func replaceModel(role: String, with model: any PredictiveModel) -> Bool {
        guard role == "anomaly", model.featureNames == AnomalyFeatures.names else { return false }
        self.model = model
        return true
    }
}
