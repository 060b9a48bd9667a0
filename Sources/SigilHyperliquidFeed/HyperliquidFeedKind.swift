public import Logging
import SigilCore
public import SigilFeeds
public import Yams

/// `kind: hyperliquid`: trades and book tops of Hyperliquid coins (`HyperliquidFeed`).
public enum HyperliquidFeedKind: FeedKind {
    public static let kind = "hyperliquid"
    public static let summary = "trades and book tops of Hyperliquid coins over its public websocket API"
    public static let keys = ["name", "kind", "url", "coins", "books", "silence_timeout", "request_timeout", "max_frame_bytes", "reconnect"]

    public static func settings(name: String, _ m: [String: Node], node: Node, context: FeedConfigContext) throws(ConfigError) -> any FeedSettings {
        let r = context.reader
        guard let urlNode = m["url"] else { throw r.fail(node, "a hyperliquid feed needs a 'url' (wss://api.hyperliquid.xyz/ws)") }
        guard let coinsNode = m["coins"] else { throw r.fail(node, "a hyperliquid feed needs 'coins' (e.g. [BTC, ETH])") }
        let coins = try r.sequence(coinsNode, "coins").map { (n) throws(ConfigError) in try r.string(n, "a coin") }
        guard !coins.isEmpty else { throw r.fail(coinsNode, "coins is empty") }
        var c = HyperliquidFeed.Configuration(name: name, url: try context.websocketURL(urlNode), coins: coins)
        if let n = m["books"] { c.books = try r.bool(n, "books") }
        if let n = m["silence_timeout"] { c.silenceTimeout = try context.seconds(n, "silence_timeout", in: 0.1...86_400) }
        if let n = m["request_timeout"] { c.requestTimeout = try context.seconds(n, "request_timeout", in: 0.1...3_600) }
        if let n = m["max_frame_bytes"] { c.maxFrameBytes = Int(try r.int(n, "max_frame_bytes", in: 1_024...(64 << 20))) }
        try context.backoff(m["reconnect"], &c.backoff)
        return c
    }
}

extension HyperliquidFeed.Configuration: FeedSettings {
    public var chainId: UInt64? { HyperliquidFeed.chainId }

    public var effectiveYAML: [String] {
        ["url: \(url)", "coins: [" + coins.joined(separator: ", ") + "]", "books: \(books)",
         "silence_timeout: \(silenceTimeout.secondsValue)", "request_timeout: \(requestTimeout.secondsValue)",
         "max_frame_bytes: \(maxFrameBytes)",
         "reconnect: {initial: \(backoff.initial.secondsValue), max: \(backoff.maximum.secondsValue)}"]
    }

    public func makeLiveFeed(logger: Logger, eventKinds: Set<String>) -> (any LiveFeed)? { HyperliquidFeed(configuration: self, logger: logger) }
}

extension HyperliquidFeed: LiveFeed {
    public var name: String { configuration.name }

    public var closesBlocks: Bool { false }

    public func run(from resume: FeedResume, emit: @escaping @Sendable (FeedItem) async -> Void) async throws {
        try await run(resume: resume.streams, emit: emit)
    }
}
