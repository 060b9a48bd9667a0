public import SigilCore
public import SigilFeeds
public import SigilPluginAPI

/// The typed contents of strategies.yaml, every default filled in. Paths are resolved against
/// the directory of the file they came from.
public struct SigilConfig: Sendable {
    /// One configured feed: its name, its kind and the settings its kind decoded.
    public struct Feed: Sendable {
        public var name: String
        /// The `kind:` name (a registered `FeedKind`).
        public var kind: String
        public var settings: any FeedSettings

        public init(name: String, kind: String, settings: any FeedSettings) {
            self.name = name
            self.kind = kind
            self.settings = settings
        }

        /// A replay of the recording at `path`.
        public static func replay(name: String, path: String, chainId: UInt64? = nil) -> Feed {
            Feed(name: name, kind: ReplayFeed.kind, settings: ReplayFeed.Settings(name: name, path: path, chainId: chainId))
        }

        /// The replay settings, for a replay feed.
        public var replay: ReplayFeed.Settings? { settings as? ReplayFeed.Settings }

        /// The chain id its events carry, when known before it runs.
        public var chainId: UInt64? { settings.chainId }

        /// True for feeds that follow a live source (they never end by themselves).
        public var isLive: Bool { replay == nil }
    }

    public enum Registry: Hashable, Sendable {
        case snapshot(path: String)
        case onChain(rpc: String, address: Address)
    }

    public struct Model: Hashable, Sendable {
        /// The name the strategies use, and the registry id (`ModelID.parse`).
        public var id: String
        public var file: String
        public var version: ModelVersionSelector
    }

    public struct Strategy: Hashable, Sendable {
        public var name: String
        public var plugin: String
        /// When true a strategy whose models fail verification is disabled, loudly, and the
        /// rest runs; otherwise the bot refuses to start.
        public var optional: Bool
        /// Pools the strategy watches; empty means every pool.
        public var pools: [Address]
        /// Model role → model id (one of `models`).
        public var models: [String: String]
        public var parameters: ParameterValues
    }

    public struct Risk: Hashable, Sendable {
        /// Alerts at or above this severity veto buy signals for their pool.
        public var vetoSeverity: Alert.Severity
        /// How long a veto lasts, in blocks.
        public var vetoBlocks: UInt64
    }

    public struct Portfolio: Hashable, Sendable {
        public var cashToken: Address
        public var cashDecimals: Int
        /// Starting cash, whole units.
        public var cash: Double
        /// Cash spent per buy, whole units.
        public var tradeSize: Double
    }

    /// Where plugins' `eth_call` simulations run (live feeds only).
    public struct Simulation: Hashable, Sendable {
        /// An HTTP JSON-RPC endpoint of a node that answers `eth_call` with state overrides.
        public var rpc: String
        /// The chain's WETH (the probe tests tokens paired with it).
        public var weth: Address
        /// Seconds a simulation may take before it counts as failed.
        public var timeout: Double = 5
        /// ETH offered to a probe's buy (it spends at most 1% of the pool's WETH of it).
        public var offerEth: Double = 1
    }

    /// Where the Prometheus metrics are served (`GET /metrics`).
    public struct Metrics: Hashable, Sendable {
        /// The address to listen on; loopback unless an operator opens it.
        public var host: String = "127.0.0.1"
        /// The port; 0 picks a free one (announced when the run starts).
        public var port: Int = 9464

        public init(host: String = "127.0.0.1", port: Int = 9464) {
            self.host = host
            self.port = port
        }
    }

    public struct Outputs: Hashable, Sendable {
        public var jsonl: String
        public var sqlite: String
    }

    /// The plugins the configuration was checked against (the engine builds its strategies from them).
    public var plugins: PluginRegistry
    public var feeds: [Feed]
    public var registry: Registry
    /// Allowed publishers; empty means any.
    public var publishers: [Address]
    public var models: [Model]
    public var strategies: [Strategy]
    public var risk: Risk
    /// The paper portfolio; nil: none.
    public var portfolio: Portfolio?
    public var outputs: Outputs
    /// Where simulations run; nil: plugins' simulation requests are dropped (and counted).
    public var simulation: Simulation?
    /// Where metrics are served; nil: nowhere.
    public var metrics: Metrics?
    /// Where outputs are pushed as they are stored (none: nowhere).
    public var notifications: [NotificationSink] = []
    /// Seconds between two reads of the on-chain registry for models at `version: latest` (live runs).
    public var followInterval: Double = 5
    /// A websocket endpoint whose `ModelPublished` notifications make the follower look at once.
    public var followSubscription: String?
}
