public import Foundation
public import SigilCore
public import Logging
public import Yams

/// A kind of feed (`kind:` of a feed in strategies.yaml): it decodes its own settings, strictly,
/// and builds the feed. The runtime knows feeds only through this protocol; the kinds Sigil
/// ships are registered in one place (SigilBundle).
public protocol FeedKind: Sendable {
    /// The `kind:` name.
    static var kind: String { get }
    /// One line on what the feed reads.
    static var summary: String { get }
    /// Every key a feed of this kind accepts (with `name` and `kind`).
    static var keys: [String] { get }
    /// Decodes a feed's mapping (its keys already checked against `keys`); errors name the
    /// file, line and column through `context.reader`.
    static func settings(name: String, _ mapping: [String: Node], node: Node, context: FeedConfigContext) throws(ConfigError) -> any FeedSettings
}

/// What a feed kind needs to decode its settings.
public struct FeedConfigContext: Sendable {
    public let reader: YAMLReader
    /// The directory relative paths are resolved against.
    public let base: URL

    public init(reader: YAMLReader, base: URL) {
        self.reader = reader
        self.base = base
    }

    /// A path from the configuration, resolved against `base`; with `mustExist`, a missing file
    /// is an error naming both the written and the resolved path.
    public func path(_ node: Node, _ what: String, mustExist: Bool) throws(ConfigError) -> String {
        let s = try reader.string(node, what)
        let resolved = s.hasPrefix("/") ? s : base.appendingPathComponent(s).standardizedFileURL.path
        if mustExist, !FileManager.default.fileExists(atPath: resolved) {
            throw reader.fail(node, "\(what) '\(s)' does not exist (looked for \(resolved))")
        }
        return resolved
    }

    /// `chain_id`, when given.
    public func chainId(_ node: Node?) throws(ConfigError) -> UInt64? {
        try node.map { (n) throws(ConfigError) in UInt64(try reader.int(n, "chain_id", in: 1...Int64.max)) }
    }

    /// A `ws://` or `wss://` URL.
    public func websocketURL(_ node: Node) throws(ConfigError) -> String {
        let url = try reader.string(node, "url")
        guard url.hasPrefix("ws://") || url.hasPrefix("wss://") else {
            throw reader.fail(node, "url must start with ws:// or wss:// (a live feed is a websocket), got '\(url)'")
        }
        return url
    }

    /// Seconds as a `Duration`, within `range`.
    public func seconds(_ node: Node, _ what: String, in range: ClosedRange<Double>) throws(ConfigError) -> Duration {
        .seconds(try reader.double(node, "\(what) (seconds)", in: range))
    }

    /// `reconnect: {initial, max}` into `backoff`.
    public func backoff(_ node: Node?, _ backoff: inout Backoff) throws(ConfigError) {
        guard let node else { return }
        let m = try reader.mapping(node, "reconnect", keys: ["initial", "max"])
        if let i = m["initial"] { backoff.initial = try seconds(i, "reconnect initial", in: 0.001...600) }
        if let x = m["max"] { backoff.maximum = try seconds(x, "reconnect max", in: 0.001...3_600) }
    }
}

/// One configured feed's settings, as its kind decoded them.
public protocol FeedSettings: Sendable {
    var name: String { get }
    /// The chain id its events carry, when known before it runs.
    var chainId: UInt64? { get }
    /// The settings as YAML lines (every default filled in), without `name` and `kind`.
    var effectiveYAML: [String] { get }
    /// The live feed these settings describe; nil for a feed that is not live (a replay).
    /// `eventKinds`: what the configured strategies want (a feed may skip what nobody reads).
    func makeLiveFeed(logger: Logger, eventKinds: Set<String>) -> (any LiveFeed)?
}

/// Where a live feed resumes after a restart, from the runtime's store.
public struct FeedResume: Sendable, Hashable {
    /// A chain feed's last closed block and recent block hashes.
    public var chain: ChainResumePoint?
    /// An off-chain feed's last stored item per stream (coin).
    public var streams: [String: StreamCursor]
    /// A chain feed's tokens whose transfers the runtime followed (the tokens of known pools).
    public var tokens: Set<Address>

    public init(chain: ChainResumePoint? = nil, streams: [String: StreamCursor] = [:], tokens: Set<Address> = []) {
        self.chain = chain
        self.streams = streams
        self.tokens = tokens
    }
}

/// The last item stored of one off-chain stream: its id and source time.
public struct StreamCursor: Sendable, Hashable {
    public var id: UInt64
    public var timeMs: UInt64

    public init(id: UInt64, timeMs: UInt64) {
        self.id = id
        self.timeMs = timeMs
    }
}

/// A feed that follows a live source until cancelled, handing the runtime `FeedItem`s in order.
public protocol LiveFeed: Sendable {
    var name: String { get }
    var health: FeedHealth { get }
    /// True for a chain feed that closes blocks (`FeedItem.blockClosed`); `--stop-at-block` waits for these.
    var closesBlocks: Bool { get }
    func run(from resume: FeedResume, emit: @escaping @Sendable (FeedItem) async -> Void) async throws
}

/// The feed kinds a build knows, by `kind:` name.
public struct FeedRegistry: Sendable {
    public let all: [any FeedKind.Type]

    public init(_ kinds: [any FeedKind.Type]) { all = kinds }

    public func kind(_ name: String) -> (any FeedKind.Type)? { all.first { $0.kind == name } }

    public var names: [String] { all.map { $0.kind } }
}
