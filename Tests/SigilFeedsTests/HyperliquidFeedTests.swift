import Foundation
import Logging
import SigilChain
import SigilCore
import SigilFeeds
import SigilHyperliquidFeed
import SigilTestSupport
import Synchronization
import Testing

final class CollectedItems: Sendable {
    let items = Mutex<[FeedItem]>([])
    func append(_ item: FeedItem) { items.withLock { $0.append(item) } }
    var all: [FeedItem] { items.withLock { $0 } }
}

@Suite struct HyperliquidFeedTests {
    /// Against the project's own Hyperliquid-protocol server: quick cuts (covered by the recent
    /// trades a new subscription gets), a long outage (a gap that must be recorded), a
    /// half-open socket (ping without pong), and malformed frames. Every trade the server made
    /// is delivered exactly once or lies inside a recorded gap.
    @Test func tradesAcrossReconnectsAreDeliveredOnceAndEveryMissIsARecordedGap() async throws {
        let server = try await HyperliquidProcess(coins: ["BTC", "ETH"], rate: 40, snapshot: 5)
        let feed = HyperliquidFeed(configuration: .init(name: "hl", url: server.wsURL, coins: ["BTC", "ETH"],
                                                        silenceTimeout: .seconds(2), requestTimeout: .seconds(1),
                                                        backoff: Backoff(initial: .milliseconds(20), maximum: .milliseconds(100))),
                                   logger: { var l = Logger(label: "test"); l.logLevel = .critical; return l }())
        let got = CollectedItems()
        let task = Task { try await feed.run(resume: [:]) { got.append($0) } }
        /// Each fault must hit a live connection, or it tests nothing: wait until the feed has
        /// noticed the previous fault (`reconnects` above `after`) and is live again. (Generous:
        /// beside the other suites on two cores, the feed's tasks can wait long for a thread.)
        func whenLive(after: Int) async throws {
            try await eventually("the feed reconnecting and going live (\(feed.health.snapshot))") {
                let h = feed.health.snapshot
                return h.reconnects > after && h.state == .live
            }
        }
        /// Trades delivered so far, by coin.
        @Sendable func tradesByCoin() -> [String: Int] {
            var n: [String: Int] = [:]
            for case .marketEvents(_, let events) in got.all {
                for e in events { if case .hlTrade(let coin, _, _, _, _, _, _, _) = e.payload { n[coin, default: 0] += 1 } }
            }
            return n
        }
        try await whenLive(after: -1)
        try await eventually("trades on both coins before the first cut") { tradesByCoin().values.filter { $0 >= 10 }.count == 2 }
        for _ in 0..<3 {
            let before = feed.health.snapshot.reconnects
            #expect((try await server.control(["method": "drop"]) as? Int ?? 0) >= 1)
            try await whenLive(after: before)
        }
        var before = feed.health.snapshot.reconnects
        #expect((try await server.control(["method": "drop", "refuseMs": 800]) as? Int ?? 0) >= 1)
        try await whenLive(after: before)
        before = feed.health.snapshot.reconnects
        #expect((try await server.control(["method": "pause"]) as? Int ?? 0) >= 1)
        try await whenLive(after: before)
        let valid = #"{"coin":"DOGE","side":"B","px":"0.1","sz":"5.0","hash":"0x\#(String(repeating: "ab", count: 32))","time":1,"tid":7,"users":["0x\#(String(repeating: "11", count: 20))","0x\#(String(repeating: "22", count: 20))"]}"#
        _ = try await server.control(["method": "inject", "frames": [
            #"{"channel":"trades","data":[{"coin":"BTC"}]}"#, "not json at all", #"{"channel":"trades","data":[\#(valid)]}"#,
            #"{"channel":"trades","data":[{"coin":"BTC","side":"B","px":"1","sz":"1","hash":"0x00","time":"soon","tid":1,"users":[]}]}"#,
        ]])
        // every injected frame counted, and enough trades on each coin to judge by
        try await eventually("the injected frames counted") { feed.health.snapshot.rejectedTotal >= 4 }
        try await eventually("a hundred trades on each coin") { tradesByCoin().values.filter { $0 > 100 }.count == 2 }
        task.cancel()
        _ = try? await task.value

        guard let made = try await server.control(["method": "trades"]) as? [String: [[String: Any]]] else {
            Issue.record("the server's trade list is not a map of coins")
            return
        }
        var delivered: [String: [UInt64: UInt64]] = [:]  // coin → tid → time
        var duplicates = 0
        var gaps: [String: [(UInt64, UInt64)]] = [:]
        var books = 0
        for item in got.all {
            switch item {
            case .marketEvents(_, let events):
                for e in events {
                    switch e.payload {
                    case .hlTrade(let coin, _, _, _, let time, let tid, _, _):
                        if delivered[coin, default: [:]].updateValue(time, forKey: tid) != nil { duplicates += 1 }
                    case .hlBook: books += 1
                    default: break
                    }
                }
            case .gap(_, let g):
                gaps[String(g.stream.dropFirst("trades:".count)), default: []].append((g.lastBeforeMs, g.firstAfterMs))
            default: break
            }
        }
        #expect(duplicates == 0)
        #expect(books > 0)
        var checked = 0, missedOutsideGaps = 0
        for coin in ["BTC", "ETH"] {
            let mine = delivered[coin] ?? [:]
            #expect(mine.count > 100, "\(coin): only \(mine.count) trades delivered")
            guard let first = mine.values.min(), let last = mine.values.max() else { continue }
            for t in made[coin] ?? [] {
                guard let tid = (t["tid"] as? NSNumber)?.uint64Value, let time = (t["time"] as? NSNumber)?.uint64Value,
                      time >= first, time <= last else { continue }
                checked += 1
                if mine[tid] == nil, !(gaps[coin] ?? []).contains(where: { $0.0 <= time && time <= $0.1 }) { missedOutsideGaps += 1 }
            }
            #expect(!(gaps[coin] ?? []).isEmpty, "\(coin): the 800 ms outage left no recorded gap")
        }
        #expect(checked > 200)
        #expect(missedOutsideGaps == 0)
        let health = feed.health.snapshot
        #expect(health.reconnects >= 5)
        #expect(health.rejected[.missingField] == 1)
        #expect(health.rejected[.malformedJSON] == 1)
        #expect(health.rejected[.unknownSubscription] == 1)
        #expect(health.rejected[.wrongType] == 1)
    }
}
