public import SigilCore
public import SigilPluginAPI

/// The event loop's core: pool state, the strategies and their outputs, one event at a time.
/// Feeds hand it decoded events; it returns what the strategies said, for the sinks.
public final class Engine {
    public struct Strategy {
        public let name: String
        public let kind: String
        public let plugin: any StrategyPlugin
        /// Empty: every pool.
        public let pools: Set<Address>
        /// Model role → model id.
        public var models: [String: String] = [:]
    }

    public private(set) var book = PoolBook()
    public private(set) var gate: RiskGate
    /// The paper portfolio, when the configuration has one.
    public let portfolio: PaperPortfolio?
    public let strategies: [Strategy]
    public private(set) var eventsProcessed = 0
    public private(set) var retractions = 0
    var seen = Set<EventID>()

    public init(strategies: [Strategy], gate: RiskGate = RiskGate(severity: .high, blocks: 300), portfolio: PaperPortfolio? = nil) {
        self.strategies = strategies
        self.gate = gate
        self.portfolio = portfolio
    }

    /// Builds the strategies a configuration names, handing each its verified models by role.
    public convenience init(config: SigilConfig, models: [String: any PredictiveModel] = [:]) throws {
        var strategies: [Strategy] = []
        for s in config.strategies {
            guard let type = PluginCatalog.plugin(kind: s.plugin) else { throw PluginError("unknown plugin \(s.plugin)") }
            var roles: [String: any PredictiveModel] = [:]
            for (role, id) in s.models {
                guard let m = models[id] else { throw PluginError("strategy \(s.name): model \(id) was not verified") }
                roles[role] = m
            }
            strategies.append(Strategy(name: s.name, kind: s.plugin, plugin: try type.init(parameters: s.parameters, models: roles),
                                       pools: Set(s.pools), models: s.models))
        }
        let portfolio = config.portfolio.map {
            PaperPortfolio(cashToken: $0.cashToken, decimals: $0.cashDecimals, cash: $0.cash, tradeSize: $0.tradeSize)
        }
        self.init(strategies: strategies, gate: RiskGate(severity: config.risk.vetoSeverity, blocks: config.risk.vetoBlocks),
                  portfolio: portfolio)
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

    /// True when an event with this identity was processed already.
    public func hasSeen(_ id: EventID) -> Bool { seen.contains(id) }

    /// Forgets the identities of `chainId`'s events below `block`, so that a bot running for
    /// weeks does not keep every identity it ever saw (a feed never re-delivers blocks that old).
    public func forgetSeen(chainId: UInt64, below block: UInt64) {
        seen = seen.filter { $0.chainId != chainId || $0.blockNumber >= block }
    }

    /// Processes one event; a log seen before (same chain, block hash and log index) is
    /// skipped, so overlapping deliveries do not produce outputs twice.
    public func process(_ event: MarketEvent) -> [OutputRecord] {
        if event.removed {
            retractions += 1
            return []
        }
        guard seen.insert(event.id).inserted else { return [] }
        eventsProcessed += 1
        guard let pool = book.apply(event) else { return [] }
        portfolio?.mark(pool)
        var out: [OutputRecord] = []
        for s in strategies where s.plugin.eventKinds.contains(event.payload.kind) {
            guard s.pools.isEmpty || s.pools.contains(pool.address) else { continue }
            for o in s.plugin.handle(event, pool: pool) {
                switch o {
                case .alert(let a):
                    gate.record(a)
                    out.append(OutputRecord(strategy: s.name, plugin: s.kind, body: .alert(a)))
                case .signal(let sig):
                    let vetoed = gate.vetoes(sig, token0: pool.token0, token1: pool.token1)
                    out.append(OutputRecord(strategy: s.name, plugin: s.kind, body: .signal(sig, vetoed: vetoed)))
                    if !vetoed, let fill = portfolio?.execute(sig, pool: pool) {
                        out.append(OutputRecord(strategy: s.name, plugin: s.kind, body: .fill(fill, side: sig.side)))
                    }
                }
            }
        }
        return out
    }
}
