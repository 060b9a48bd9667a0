public import Logging
import SigilCore
public import SigilFeeds
public import Yams

/// `kind: ethereum`: Uniswap V2/V3 events from a node over ws/wss (`EthereumLogFeed`).
public enum EthereumFeed: FeedKind {
    public static let kind = "ethereum"
    public static let summary = "Uniswap V2/V3 logs (and the pools' token transfers) from an Ethereum node over ws:// or wss:// (eth_subscribe, eth_getLogs backfill)"
    public static let keys = ["name", "kind", "url", "chain_id", "addresses", "from_block", "confirmations", "silence_timeout",
                              "request_timeout", "backfill_blocks", "max_frame_bytes", "ping_interval", "reconnect", "token_transfers", "max_tokens"]

    public static func settings(name: String, _ m: [String: Node], node: Node, context: FeedConfigContext) throws(ConfigError) -> any FeedSettings {
        let r = context.reader
        guard let urlNode = m["url"] else { throw r.fail(node, "an ethereum feed needs a 'url' (ws:// or wss://)") }
        var c = EthereumLogFeed.Configuration(name: name, url: try context.websocketURL(urlNode), chainId: try context.chainId(m["chain_id"]))
        if let a = m["addresses"] {
            c.addresses = try r.sequence(a, "addresses").map { (n) throws(ConfigError) in try r.address(n, "an address") }
        }
        if let s = m["from_block"] {
            if s.scalar?.string == "latest" { c.start = .latest } else { c.start = .block(UInt64(try r.int(s, "from_block", in: 0...Int64.max))) }
        }
        if let n = m["confirmations"] { c.confirmations = UInt64(try r.int(n, "confirmations", in: 0...1_000)) }
        if let n = m["silence_timeout"] { c.silenceTimeout = try context.seconds(n, "silence_timeout", in: 0.1...86_400) }
        if let n = m["request_timeout"] { c.requestTimeout = try context.seconds(n, "request_timeout", in: 0.1...3_600) }
        if let n = m["backfill_blocks"] { c.backfillBlocks = UInt64(try r.int(n, "backfill_blocks", in: 1...1_000_000)) }
        if let n = m["max_frame_bytes"] { c.maxFrameBytes = Int(try r.int(n, "max_frame_bytes", in: 1_024...(64 << 20))) }
        if let n = m["ping_interval"] { c.pingInterval = try context.seconds(n, "ping_interval", in: 0.1...3_600) }
        try context.backoff(m["reconnect"], &c.backoff)
        if let n = m["token_transfers"] {
            let v = n.scalar?.string ?? ""
            // YAML's true/false read as the switch's on/off.
            switch v {
            case "true", "on": c.transfers = .on
            case "false", "off": c.transfers = .off
            case "auto": c.transfers = .auto
            default: throw r.fail(n, "token_transfers must be auto, true or false, got '\(TerminalText.escaped(v))'")
            }
        }
        if let n = m["max_tokens"] { c.maxTokens = Int(try r.int(n, "max_tokens", in: 1...100_000)) }
        return c
    }
}

extension EthereumLogFeed.Configuration: FeedSettings {
    public var effectiveYAML: [String] {
        var start = "latest"
        if case .block(let n) = self.start { start = "\(n)" }
        return ["url: \(url)", "chain_id: \(chainId.map(String.init) ?? "the node's")",
                "addresses: [" + addresses.map { "\"\($0)\"" }.joined(separator: ", ") + "]" + (addresses.isEmpty ? "  # every Uniswap event" : ""),
                "from_block: \(start)", "confirmations: \(confirmations)",
                "silence_timeout: \(silenceTimeout.secondsValue)", "request_timeout: \(requestTimeout.secondsValue)",
                "backfill_blocks: \(backfillBlocks)", "max_frame_bytes: \(maxFrameBytes)",
                "ping_interval: \(pingInterval.secondsValue)",
                "reconnect: {initial: \(backoff.initial.secondsValue), max: \(backoff.maximum.secondsValue)}",
                "token_transfers: \(transfers == .on ? "true" : transfers == .off ? "false" : "auto")"
                    + (transfers == .auto ? "  # followed when a strategy wants erc20.transfer" : ""),
                "max_tokens: \(maxTokens)"]
    }

    public func makeLiveFeed(logger: Logger, eventKinds: Set<String>) -> (any LiveFeed)? {
        EthereumLogFeed(configuration: self, logger: logger, followTransfers: eventKinds.contains("erc20.transfer"))
    }
}

extension EthereumLogFeed: LiveFeed {
    public var name: String { configuration.name }

    public var closesBlocks: Bool { true }

    public func run(from resume: FeedResume, emit: @escaping @Sendable (FeedItem) async -> Void) async throws {
        try await run(resume: resume.chain, tokens: resume.tokens, emit: emit)
    }
}
