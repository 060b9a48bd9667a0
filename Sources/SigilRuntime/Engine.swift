public import SigilCore
public import SigilPluginAPI

/// The event loop's core: pool and market state, the strategies and their outputs, one event at
/// a time. Feeds hand it decoded events; it returns what the strategies said, for the sinks.
public final class Engine {
    public struct Strategy {
        public let name: String
        public let kind: String
        public internal(set) var plugin: any StrategyPlugin
        /// Empty: every pool.
        public let pools: Set<Address>
        /// Model role → model id.
        public var models: [String: String] = [:]
        public var parameters = ParameterValues([:])
    }

    /// One chain's block whose events are being gathered for `blockClosed`.
    struct OpenBlock: Codable {
        var number: UInt64
        var events: [MarketEvent] = []
        var pools: Set<Address> = []
        /// Optional: snapshots taken before token transfers have none.
        var tokens: Set<Address>? = []
    }

    public internal(set) var book = PoolBook()
    public internal(set) var markets = MarketBook()
    public internal(set) var tokens = TokenBook()
    public internal(set) var gate: RiskGate
    /// The paper portfolio, when the configuration has one.
    public let portfolio: PaperPortfolio?
    public internal(set) var strategies: [Strategy]
    /// What the strategies are (name, plugin, pools, models, the parameters that shape a
    /// plugin's state): a snapshot is only restored into an engine with the same strategies.
    /// Reloadable parameters are left out, so a snapshot taken before a reload fits after it.
    let strategiesFingerprint: String
    public internal(set) var eventsProcessed = 0
    public internal(set) var retractions = 0
    var seen = Set<EventID>()
    /// The strategies that judge whole blocks, and the open block of each chain.
    var blockStrategies: [Strategy]
    var open: [UInt64: OpenBlock] = [:]
    var offChainEvents = 0
    /// The most recent off-chain identities (a ring), so `seen` keeps at most
    /// `offChainDedupCapacity` of them: the feeds and the store deduplicate trades too; this
    /// bounds the engine's memory however fast trades come.
    var offChainRecent: [EventID] = []
    var offChainNext = 0

    /// Off-chain event identities remembered for deduplication.
    public static let offChainDedupCapacity = 65_536

    /// A plugin's `.simulate` request waiting for the runtime.
    public struct PendingSimulation: Codable, Hashable, Sendable {
        public var strategy: String
        public var request: SimulationRequest

        public init(strategy: String, request: SimulationRequest) {
            self.strategy = strategy
            self.request = request
        }
    }

    /// True when the runtime answers simulations (`simulation:` names an RPC); otherwise
    /// requests are dropped and counted.
    public var simulates = false
    /// Requests not yet answered, oldest first (in the snapshot, so a restart answers them).
    public internal(set) var pendingSimulations: [PendingSimulation] = []
    /// Requests dropped: no simulation configured, or more than `maxPendingSimulations` waiting.
    public internal(set) var simulationsDropped = 0
    public static let maxPendingSimulations = 1_024

    /// Called with a pool's state after each event that changed it (before the strategies see
    /// it): how a backtest follows prices without a second pass over the recording.
    public var poolObserver: ((PoolSnapshot) -> Void)?

    public init(strategies: [Strategy], gate: RiskGate = RiskGate(severity: .high, blocks: 300), portfolio: PaperPortfolio? = nil) {
        self.strategies = strategies
        self.gate = gate
        self.portfolio = portfolio
        blockStrategies = strategies.filter { type(of: $0.plugin).wantsBlocks }
        strategiesFingerprint = strategies.map { s in
            let reloadable = Set(type(of: s.plugin).parameterSpecs.filter(\.reloadable).map(\.name))
            let shaping = s.parameters.values.filter { !reloadable.contains($0.key) }.sorted { $0.key < $1.key }
            return "\(s.name)|\(s.kind)|\(s.pools.sorted())|\(s.models.sorted { $0.key < $1.key })|\(shaping)"
        }.joined(separator: ";")
    }

    /// Builds the strategies a configuration names from the plugins it was loaded with, handing
    /// each its verified models by role.
    public convenience init(config: SigilConfig, models: [String: any PredictiveModel] = [:]) throws {
        var strategies: [Strategy] = []
        for s in config.strategies {
            guard let type = config.plugins.plugin(kind: s.plugin) else { throw PluginError("unknown plugin \(s.plugin)") }
            let roles = try Self.roles(s.models, of: s.name, from: models)
            strategies.append(Strategy(name: s.name, kind: s.plugin, plugin: try type.init(parameters: s.parameters, models: roles),
                                       pools: Set(s.pools), models: s.models, parameters: s.parameters))
        }
        let portfolio = config.portfolio.map {
            PaperPortfolio(cashToken: $0.cashToken, decimals: $0.cashDecimals, cash: $0.cash, tradeSize: $0.tradeSize)
        }
        self.init(strategies: strategies, gate: RiskGate(severity: config.risk.vetoSeverity, blocks: config.risk.vetoBlocks),
                  portfolio: portfolio)
        simulates = config.simulation != nil
    }

    /// Takes new values of reloadable parameters: each strategy they concern gets its plugin
    /// built afresh with them and its state carried over. All or nothing: when one plugin cannot
    /// be built, no strategy changes. `models` are the verified models in use, by id.
    public func reload(_ changes: [ConfigReload.Change], models: [String: any PredictiveModel]) throws {
        var next = strategies
        for (name, group) in Dictionary(grouping: changes, by: \.strategy) {
            guard let i = next.firstIndex(where: { $0.name == name }) else { throw PluginError("no strategy named \(name) runs") }
            var values = next[i].parameters.values
            for c in group { values[c.parameter] = c.new }
            let parameters = ParameterValues(values)
            next[i].plugin = try Self.rebuilt(next[i].plugin, parameters: parameters, models: try Self.roles(next[i].models, of: name, from: models))
            next[i].parameters = parameters
        }
        strategies = next
        blockStrategies = next.filter { type(of: $0.plugin).wantsBlocks }
    }

    /// A strategy's models by role (`roles`: role → model id), from the verified models by id.
    static func roles(_ roles: [String: String], of strategy: String, from models: [String: any PredictiveModel]) throws -> [String: any PredictiveModel] {
        try roles.mapValues { id in
            guard let m = models[id] else { throw PluginError("strategy \(strategy): model \(id) was not verified") }
            return m
        }
    }

    /// A plugin of `plugin`'s type built with `parameters`, holding `plugin`'s state.
    static func rebuilt<P: StrategyPlugin>(_ plugin: P, parameters: ParameterValues, models: [String: any PredictiveModel]) throws -> any StrategyPlugin {
        let fresh = try P(parameters: parameters, models: models)
        fresh.state = plugin.state
        return fresh
    }

    /// Hands a newer verified version of model `id` to every strategy using it; returns the
    /// strategies that took it and those that could not.
    public func replaceModel(id: String, with model: any PredictiveModel) -> (taken: [String], refused: [String]) {
        var taken: [String] = [], refused: [String] = []
        for s in strategies {
            for (role, modelId) in s.models where modelId == id {
                if s.plugin.replaceModel(role: role, with: model) { taken.append(s.name) } else { refused.append(s.name) }
            }
        }
        return (taken, refused)
    }

    /// Every event kind some strategy wants (feeds may skip what nobody reads).
    public var eventKinds: Set<String> { strategies.reduce(into: []) { $0.formUnion($1.plugin.eventKinds) } }

    /// True when an event with this identity was processed already.
    public func hasSeen(_ id: EventID) -> Bool { seen.contains(id) }

    /// Forgets the identities of `chainId`'s events below `block`, so that a bot running for
    /// weeks does not keep every identity it ever saw (a feed never re-delivers blocks that old).
    public func forgetSeen(chainId: UInt64, below block: UInt64) {
        // Removed in place: the set keeps its capacity instead of being rebuilt and regrown.
        let old = seen.filter { $0.chainId == chainId && $0.blockNumber < block }
        for id in old { seen.remove(id) }
    }

    func rememberOffChain(_ id: EventID) {
        if offChainRecent.count < Self.offChainDedupCapacity {
            offChainRecent.append(id)
            return
        }
        seen.remove(offChainRecent[offChainNext])
        offChainRecent[offChainNext] = id
        offChainNext = (offChainNext + 1) % Self.offChainDedupCapacity
    }

    /// The remembered off-chain identities, oldest first.
    var offChainRing: [EventID] {
        Array(offChainRecent[offChainNext...] + offChainRecent[..<offChainNext])
    }

    /// Processes one event; a log seen before (same chain, block hash and log index) is
    /// skipped, so overlapping deliveries do not produce outputs twice. An on-chain event of a
    /// later block than the chain's open one closes that block first (`closeBlock`).
    public func process(_ event: MarketEvent) -> [OutputRecord] {
        if event.removed {
            retractions += 1
            return []
        }
        guard seen.insert(event.id).inserted else { return [] }
        eventsProcessed += 1
        if event.payload.isOffChain {
            rememberOffChain(event.id)
            guard let market = markets.apply(event) else { return [] }
            offChainEvents += 1
            var out: [OutputRecord] = []
            for s in strategies where s.plugin.eventKinds.contains(event.payload.kind) {
                guard s.pools.isEmpty || s.pools.contains(market.address) else { continue }
                for o in s.plugin.handle(event, market: market) { record(o, of: s, pool: nil, into: &out) }
            }
            return out
        }
        var out: [OutputRecord] = []
        if !blockStrategies.isEmpty {
            let chain = event.id.chainId, number = event.id.blockNumber
            if let current = open[chain], current.number != number { out += closeBlock(chainId: chain, through: current.number) }
            open[chain, default: OpenBlock(number: number)].events.append(event)
        }
        if case .erc20Transfer = event.payload {
            guard let token = tokens.apply(event) else { return out }
            if !blockStrategies.isEmpty {
                let chain = event.id.chainId
                if open[chain]?.tokens == nil { open[chain]?.tokens = [] }  // a snapshot from before tokens
                open[chain]?.tokens?.insert(token.address)
            }
            for s in strategies where s.plugin.eventKinds.contains(event.payload.kind) {
                guard s.pools.isEmpty || token.pools.contains(where: s.pools.contains) else { continue }
                for o in s.plugin.handle(event, token: token) { record(o, of: s, pool: nil, into: &out) }
            }
            return out
        }
        guard let pool = book.apply(event) else { return out }
        switch event.payload {
        case .v2PairCreated, .v3PoolCreated: tokens.notePool(pool)
        default: break
        }
        if !blockStrategies.isEmpty { open[event.id.chainId]?.pools.insert(pool.address) }
        poolObserver?(pool)
        portfolio?.mark(pool)
        for s in strategies where s.plugin.eventKinds.contains(event.payload.kind) {
            guard s.pools.isEmpty || s.pools.contains(pool.address) else { continue }
            for o in s.plugin.handle(event, pool: pool) { record(o, of: s, pool: pool, into: &out) }
        }
        return out
    }

    /// Closes `chainId`'s open block when its number is at most `number`: every strategy that
    /// judges whole blocks gets its events (in chain order) and the pools they touched.
    public func closeBlock(chainId: UInt64, through number: UInt64) -> [OutputRecord] {
        guard let block = open[chainId], block.number <= number else { return [] }
        open[chainId] = nil
        let events = block.events.sorted { ($0.id.transactionIndex, $0.id.logIndex) < ($1.id.transactionIndex, $1.id.logIndex) }
        var pools: [Address: PoolSnapshot] = [:]
        for a in block.pools { pools[a] = book[a] }
        var touched: [Address: TokenSnapshot] = [:]
        for a in block.tokens ?? [] { touched[a] = tokens[a] }
        let closed = ClosedBlock(chainId: chainId, number: block.number, events: events, pools: pools, tokens: touched)
        var out: [OutputRecord] = []
        for s in blockStrategies {
            for o in s.plugin.blockClosed(closed) { record(o, of: s, pool: pools[Self.pool(of: o)], into: &out) }
        }
        return out
    }

    static func pool(of o: PluginOutput) -> Address {
        switch o {
        case .alert(let a): a.pool
        case .signal(let s): s.pool
        case .simulate(let r): r.pool
        }
    }

    /// One plugin output as stored records: alerts feed the risk gate; a signal is checked
    /// against it and, when it passes on a pool, may fill in the paper portfolio.
    func record(_ o: PluginOutput, of s: Strategy, pool: PoolSnapshot?, into out: inout [OutputRecord]) {
        switch o {
        case .alert(let a):
            gate.record(a)
            out.append(OutputRecord(strategy: s.name, plugin: s.kind, body: .alert(a)))
        case .signal(var sig):
            let tokens = self.tokens
            let reason = gate.veto(sig, token0: pool?.token0, token1: pool?.token1) { tokens[$0]?.firstMintTo }
            let vetoed = reason != nil
            if let reason { sig.metadata["vetoedBecause"] = reason }
            out.append(OutputRecord(strategy: s.name, plugin: s.kind, body: .signal(sig, vetoed: vetoed)))
            if !vetoed, let pool, let fill = portfolio?.execute(sig, pool: pool) {
                out.append(OutputRecord(strategy: s.name, plugin: s.kind, body: .fill(fill, side: sig.side)))
            }
        case .simulate(let request):
            guard simulates, pendingSimulations.count < Self.maxPendingSimulations else {
                simulationsDropped += 1
                return
            }
            pendingSimulations.append(PendingSimulation(strategy: s.name, request: request))
        }
    }

    /// Takes the waiting simulation requests (the runtime answers each with `deliver`).
    public func takePendingSimulations() -> [PendingSimulation] {
        defer { pendingSimulations = [] }
        return pendingSimulations
    }

    /// Hands a simulation's answer to the strategy that asked; returns what it said, recorded
    /// like any output (alerts reach the risk gate).
    public func deliver(_ result: SimulationResult, for pending: PendingSimulation) -> [OutputRecord] {
        guard let s = strategies.first(where: { $0.name == pending.strategy }) else { return [] }
        var out: [OutputRecord] = []
        for o in s.plugin.simulated(result, for: pending.request) { record(o, of: s, pool: book[pending.request.pool], into: &out) }
        return out
    }
}
