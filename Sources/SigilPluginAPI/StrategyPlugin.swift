public import SigilCore

/// What a plugin emits.
public enum PluginOutput: Hashable, Sendable {
    case alert(Alert)
    case signal(Signal)
    /// A question for the chain (an `eth_call` simulation) that the runtime answers through
    /// `simulated(_:for:)` when `simulation:` names an RPC; dropped (and counted) otherwise.
    case simulate(SimulationRequest)
}

/// A strategy plugin: it sees decoded market events with the state of the market they concern
/// and emits signals and alerts. It never touches the network, the database or a model file;
/// the runtime owns all of that and calls a plugin from one task at a time, in chain order.
///
/// Every event carries its transaction context in `event.id` (block, transaction hash and
/// index, log index). A plugin that judges whole transactions or blocks sets `wantsBlocks` and
/// receives every closed block's events together (`blockClosed`).
///
/// A plugin that remembers anything between events keeps it in `state`, a `Codable` value:
/// the runtime snapshots it with the engine (at a closed block) and sets it back on a restart or
/// a reorg, then replays only the events after the snapshot. A stateless plugin leaves `State`
/// at its default.
public protocol StrategyPlugin: AnyObject {
    /// What the plugin remembers between events.
    associatedtype State: Codable = NoPluginState
    /// The `plugin:` name in strategies.yaml.
    static var kind: String { get }
    /// One line on what the plugin does.
    static var summary: String { get }
    /// The parameters it takes under `params:`.
    static var parameterSpecs: [ParameterSpec] { get }
    /// The model roles it needs (`models:` in strategies.yaml maps each to a model id).
    static var modelRoles: [String] { get }
    /// For each model role, the features its model reads (so models can be trained and scored
    /// without the plugin); default: none.
    static var modelFeatures: [String: ModelFeatures] { get }
    /// True when the plugin wants `blockClosed` calls; default false.
    static var wantsBlocks: Bool { get }
    /// The kinds of fraud its alerts are about, named as labelled scenarios name them
    /// (`sandwich`, `rug_pull`, `wash_trading`, `honeypot`, `holder_dump`): `sigil backtest`
    /// scores its alerts against the scenarios of those kinds. Default: none (not a detector).
    static var detects: [String] { get }
    /// Builds the plugin from validated parameters (every spec present) and a verified model
    /// for each of its roles.
    init(parameters: ParameterValues, models: [String: any PredictiveModel]) throws
    /// The event kinds (`MarketEvent.Payload.kind`) the plugin wants; others are not delivered.
    var eventKinds: Set<String> { get }
    /// Handles one on-chain event (already applied to `pool`).
    func handle(_ event: MarketEvent, pool: PoolSnapshot) -> [PluginOutput]
    /// Handles one off-chain event (`hl.trade`, `hl.book`; already applied to `market`); default: nothing.
    func handle(_ event: MarketEvent, market: MarketSnapshot) -> [PluginOutput]
    /// Handles one token transfer (`erc20.transfer`; already counted in `token`); default: nothing.
    func handle(_ event: MarketEvent, token: TokenSnapshot) -> [PluginOutput]
    /// Judges a closed block as a whole (only called when `wantsBlocks`); default: nothing.
    func blockClosed(_ block: ClosedBlock) -> [PluginOutput]
    /// The answer to a `.simulate` request, between two feed items; default: nothing.
    func simulated(_ result: SimulationResult, for request: SimulationRequest) -> [PluginOutput]
    /// Replaces the model in `role` between two events (a newer verified version); false when
    /// the plugin cannot take this model.
    func replaceModel(role: String, with model: any PredictiveModel) -> Bool
    /// Everything the plugin remembers; setting it restores a snapshot.
    var state: State { get set }
}

/// The state of a plugin that remembers nothing between events.
public struct NoPluginState: Codable, Sendable, Hashable {
    public init() {}
}

extension StrategyPlugin where State == NoPluginState {
    public var state: NoPluginState {
        get { NoPluginState() }
        set {}
    }
}

extension StrategyPlugin {
    public static var modelFeatures: [String: ModelFeatures] { [:] }

    public static var wantsBlocks: Bool { false }

    public static var detects: [String] { [] }

    public func handle(_ event: MarketEvent, market: MarketSnapshot) -> [PluginOutput] { [] }
    public func handle(_ event: MarketEvent, token: TokenSnapshot) -> [PluginOutput] { [] }

    public func blockClosed(_ block: ClosedBlock) -> [PluginOutput] { [] }
    public func simulated(_ result: SimulationResult, for request: SimulationRequest) -> [PluginOutput] { [] }

    /// Replaces the model in `role` between two events (a newer verified version); returns false
    /// when the plugin cannot (the default), and the runtime then keeps the old one.
    public func replaceModel(role: String, with model: any PredictiveModel) -> Bool { false }
}
