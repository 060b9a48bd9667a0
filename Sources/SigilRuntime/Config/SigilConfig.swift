public import SigilCore
public import SigilFeeds
public import SigilPluginAPI

/// The typed contents of strategies.yaml, every default filled in. Paths are resolved against
/// the directory of the file they came from.
public struct SigilConfig: Hashable, Sendable {
    public struct Feed: Hashable, Sendable {
        public init(name: String, kind: Kind, path: String, chainId: UInt64?, ethereum: EthereumLogFeed.Configuration? = nil,
                    hyperliquid: HyperliquidFeed.Configuration? = nil) {
            self.name = name
            self.kind = kind
            self.path = path
            self.chainId = chainId
            self.ethereum = ethereum
            self.hyperliquid = hyperliquid
        }

        public enum Kind: String, Hashable, Sendable, CaseIterable { case replay, ethereum, hyperliquid }
        public var name: String
        public var kind: Kind
        /// The recording (`replay`); empty for live feeds.
        public var path: String
        /// The chain id; nil means: read it from manifest.json beside the recording (replay),
        /// or take the node's (ethereum).
        public var chainId: UInt64?
        /// The live connection's settings (`ethereum`).
        public var ethereum: EthereumLogFeed.Configuration?
        /// The live connection's settings (`hyperliquid`).
        public var hyperliquid: HyperliquidFeed.Configuration?

        /// True for feeds that follow a live source (they never end by themselves).
        public var isLive: Bool { kind != .replay }
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

    public struct Outputs: Hashable, Sendable {
        public var jsonl: String
        public var sqlite: String
    }

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
    /// Seconds between two reads of the on-chain registry for models at `version: latest` (live runs).
    public var followInterval: Double = 5
    /// A websocket endpoint whose `ModelPublished` notifications make the follower look at once.
    public var followSubscription: String?
}
