import SigilBundle
import SigilEthereumFeed
import SigilFeeds
import SigilHyperliquidFeed
import SigilRuntime
import SigilTestSupport
import Testing

@Suite struct LiveConfigTests {
    static func parse(_ feed: String) throws -> SigilConfig {
        try ConfigLoader.parse("feeds:\n" + feed + "outputs:\n  jsonl: /tmp/x.jsonl\n  sqlite: /tmp/x.sqlite\n", file: "live.yaml", components: .bundled)
    }

    static func error(_ feed: String) -> ConfigError? {
        do {
            _ = try parse(feed)
            return nil
        } catch {
            return error as? ConfigError
        }
    }

    @Test func anEthereumFeedTakesEverySetting() throws {
        let c = try Self.parse("""
              - name: mainnet
                kind: ethereum
                url: wss://node.example/ws
                chain_id: 1
                addresses: ["0x0cad765d4c2971dc0ac1b87358333b6f82b70d5e"]
                from_block: 19000000
                confirmations: 2
                silence_timeout: 12.5
                request_timeout: 3
                backfill_blocks: 500
                max_frame_bytes: 65536
                ping_interval: 20
                reconnect: {initial: 0.5, max: 60}

            """)
        let e = try #require(c.feeds.first?.settings as? EthereumLogFeed.Configuration)
        #expect(e.url == "wss://node.example/ws" && e.chainId == 1 && e.addresses.count == 1)
        #expect(e.start == .block(19_000_000) && e.confirmations == 2 && e.backfillBlocks == 500 && e.maxFrameBytes == 65_536)
        #expect(e.silenceTimeout == .milliseconds(12_500) && e.requestTimeout == .seconds(3) && e.pingInterval == .seconds(20))
        #expect(e.backoff.initial == .milliseconds(500) && e.backoff.maximum == .seconds(60))
        #expect(c.effectiveYAML.contains("confirmations: 2"))
    }

    @Test func defaultsAreFilledIn() throws {
        let e = try #require(try Self.parse("  - {name: a, kind: ethereum, url: \"ws://127.0.0.1:8546\"}\n").feeds.first?.settings as? EthereumLogFeed.Configuration)
        #expect(e.start == .latest && e.confirmations == 0 && e.addresses.isEmpty && e.chainId == nil)
    }

    @Test func aHyperliquidFeedNeedsCoins() throws {
        let c = try Self.parse("  - {name: hl, kind: hyperliquid, url: \"wss://api.hyperliquid.xyz/ws\", coins: [BTC, ETH], books: false}\n")
        let h = try #require(c.feeds.first?.settings as? HyperliquidFeed.Configuration)
        #expect(h.coins == ["BTC", "ETH"] && !h.books)
        #expect(c.feeds.first?.chainId == HyperliquidFeed.chainId)
        let e = try #require(Self.error("  - {name: hl, kind: hyperliquid, url: \"wss://x\"}\n"))
        #expect(e.description.contains("needs 'coins'"))
    }

    @Test func badLiveSettingsAreRejectedWithTheirLine() throws {
        let unknown = try #require(Self.error("  - name: a\n    kind: ethereum\n    url: ws://x\n    confirmation: 3\n"))
        #expect(unknown.line == 5 && unknown.description.contains("confirmations") && unknown.description.contains("silence_timeout"))
        let scheme = try #require(Self.error("  - name: a\n    kind: ethereum\n    url: https://node.example\n"))
        #expect(scheme.line == 4 && scheme.description.contains("ws:// or wss://"))
        let range = try #require(Self.error("  - {name: a, kind: ethereum, url: \"ws://x\", confirmations: 5000}\n"))
        #expect(range.description.contains("confirmations"))
        let noURL = try #require(Self.error("  - {name: a, kind: ethereum}\n"))
        #expect(noURL.description.contains("needs a 'url'"))
    }

    @Test func replayAndLiveFeedsDoNotMix() throws {
        let e = try #require(Self.error("""
              - {name: r, kind: replay, path: \(Peers.root)/data/replay/sigil-scenarios.jsonl.gz}
              - {name: l, kind: ethereum, url: "ws://x"}

            """))
        #expect(e.line == 3 && e.description.contains("cannot be mixed"))
    }
}

@Suite struct BackoffTests {
    @Test func delaysGrowWithJitterUpToTheCapAndResetAfterAHealthyConnection() {
        var b = Backoff(initial: .milliseconds(100), maximum: .seconds(2), multiplier: 2, resetAfter: .seconds(60))
        var rng = SystemRandomNumberGenerator()
        var previousCap = Duration.zero
        for attempt in 0..<10 {
            let cap = min(Duration.milliseconds(100) * (1 << attempt), .seconds(2))
            let d = b.next(after: .zero, random: &rng)
            #expect(d >= cap / 2 && d <= cap, "attempt \(attempt): \(d) outside [\(cap / 2), \(cap)]")
            #expect(cap >= previousCap)
            previousCap = cap
        }
        let afterHealthy = b.next(after: .seconds(61), random: &rng)
        #expect(afterHealthy <= .milliseconds(100))
    }
}
