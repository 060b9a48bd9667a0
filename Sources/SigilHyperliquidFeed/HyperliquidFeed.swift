import Foundation
public import Logging
import NIOCore
import NIOWebSocket
import SigilChain
import SigilCore
public import SigilFeeds
import Synchronization
import WSClient
import WSCompression

/// A live Hyperliquid feed: `trades` and `l2Book` per configured coin over Hyperliquid's public
/// websocket protocol, trades mapped to `MarketEvent`s (`hl.trade`), book tops to `hl.book`.
///
/// Hyperliquid resends no history: a new subscription gets a few recent trades, nothing older.
/// After every reconnect the feed resubscribes, drops the trades it already delivered (by trade
/// id), and when the first batch does not reach back to the last trade it delivered, records
/// the gap between them explicitly (`.gap`), never hiding it. A silent socket is probed with
/// Hyperliquid's `{"method":"ping"}`; no `pong` within the request timeout replaces it.
public final class HyperliquidFeed: Sendable {
    /// The chain id HyperCore events carry in their `EventID` ("HYPL"): it is not an EVM chain.
    public static let chainId: UInt64 = 0x4859_504C

    public struct Configuration: Sendable, Hashable {
        public var name: String
        public var url: String
        public var coins: [String]
        /// Also subscribe to `l2Book` for each coin.
        public var books: Bool
        public var silenceTimeout: Duration
        public var requestTimeout: Duration
        public var maxFrameBytes: Int
        public var backoff: Backoff

        public init(name: String, url: String, coins: [String], books: Bool = true, silenceTimeout: Duration = .seconds(10),
                    requestTimeout: Duration = .seconds(5), maxFrameBytes: Int = 1 << 20, backoff: Backoff = Backoff()) {
            self.name = name
            self.url = url
            self.coins = coins
            self.books = books
            self.silenceTimeout = silenceTimeout
            self.requestTimeout = requestTimeout
            self.maxFrameBytes = maxFrameBytes
            self.backoff = backoff
        }
    }

    public let configuration: Configuration
    public let health: FeedHealth
    let logger: Logger

    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        health = FeedHealth(feed: configuration.name)
        var l = logger
        l[metadataKey: "feed"] = "\(configuration.name)"
        self.logger = l
    }

    /// The state, shared by the connection's tasks.
    final class Shared: Sendable {
        let lock: Mutex<State>
        init(_ s: State) { lock = Mutex(s) }
        func withLock<R: Sendable>(_ body: (inout State) -> R) -> R { lock.withLock { body(&$0) } }
    }

    /// Per-coin delivery state.
    struct State: Sendable {
        /// The last trade delivered per coin (its trade id and time).
        var last: [String: StreamCursor] = [:]
        /// Recently delivered trade ids per coin (bounded).
        var recent: [String: (set: Set<UInt64>, order: [UInt64])] = [:]
        /// Coins whose first trades message since (re)subscribing has not arrived yet.
        var awaitingFirst: Set<String> = []
        var lastFrame = ContinuousClock.now
        var pingSent: ContinuousClock.Instant?
        var rejections: FrameRejections

        mutating func delivered(_ coin: String, _ tid: UInt64) -> Bool { recent[coin]?.set.contains(tid) ?? false }

        mutating func remember(_ coin: String, _ tid: UInt64, _ time: UInt64) {
            // In place: a copy of the coin's entry would copy its 20,000 ids for every trade.
            recent[coin, default: ([], [])].set.insert(tid)
            recent[coin, default: ([], [])].order.append(tid)
            if let r = recent[coin], r.order.count > 20_000 {
                for old in r.order.prefix(10_000) { recent[coin]?.set.remove(old) }
                recent[coin]?.order.removeFirst(10_000)
            }
            if time >= last[coin]?.timeMs ?? 0 { last[coin] = StreamCursor(id: tid, timeMs: time) }
        }
    }

    /// Follows the coins until cancelled. `resume`: the last trade stored per coin (from the
    /// runtime's store), so a gap across a restart is recorded too.
    public func run(resume: [String: StreamCursor], emit: @escaping @Sendable (FeedItem) async -> Void) async throws {
        let state = Shared(State(rejections: FrameRejections(logger: logger)))
        state.withLock { s in
            for (coin, t) in resume { s.remember(coin, t.id, t.timeMs) }
        }
        try await reconnecting(backoff: configuration.backoff, health: health, logger: logger) {
            try await session(state, emit)
            throw FeedError(description: "\(configuration.url): the peer closed the connection")
        }
    }

    func session(_ state: Shared, _ emit: @escaping @Sendable (FeedItem) async -> Void) async throws {
        health.update { $0.state = .connecting }
        let config = WebSocketClientConfiguration(
            maxFrameSize: max(configuration.maxFrameBytes * 4, 1 << 20),
            extensions: [.perMessageDeflate(maxDecompressedFrameSize: max(configuration.maxFrameBytes * 4, 1 << 20))],
            closeTimeout: .seconds(1),
            autoPing: .enabled(timePeriod: configuration.silenceTimeout)
        )
        let coins = configuration.coins, books = configuration.books, limit = configuration.maxFrameBytes
        let (silence, request, name) = (configuration.silenceTimeout, configuration.requestTimeout, configuration.name)
        let health = self.health, logger = self.logger
        try await WebSocketConnection(url: configuration.url).run(configuration: config, handshakeTimeout: request, logger: logger) { inbound, outbound, _ in
            state.withLock { s in
                s.awaitingFirst = Set(coins)
                s.lastFrame = ContinuousClock.now
                s.pingSent = nil
            }
            for coin in coins {
                try await outbound.write(.text(#"{"method":"subscribe","subscription":{"type":"trades","coin":"\#(coin)"}}"#))
                if books { try await outbound.write(.text(#"{"method":"subscribe","subscription":{"type":"l2Book","coin":"\#(coin)"}}"#)) }
            }
            health.update { $0.state = .live }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    // Silence watchdog: ping after `silence`; no pong within `request` closes the socket.
                    while true {
                        try await Task.sleep(for: max(silence / 4, .milliseconds(50)))
                        let (quiet, pingAge) = state.withLock { s in (ContinuousClock.now - s.lastFrame, s.pingSent.map { ContinuousClock.now - $0 }) }
                        if let pingAge, pingAge > request {
                            health.update { $0.state = .stalled }
                            logger.warning("no pong to a ping; the connection is dead", metadata: ["silent_for": "\(quiet)"])
                            try? await outbound.close(.goingAway, reason: "silent")
                            return
                        }
                        if quiet >= silence, pingAge == nil {
                            state.withLock { $0.pingSent = ContinuousClock.now }
                            try await outbound.write(.text(#"{"method":"ping"}"#))
                        }
                    }
                }
                defer { group.cancelAll() }
                for try await message in inbound.messages(maxSize: max(limit * 4, 1 << 20)) {
                    guard case .text(let text) = message else { continue }
                    let items = state.withLock { s in
                        s.lastFrame = ContinuousClock.now
                        s.pingSent = nil
                        return Self.handle(text, limit: limit, coins: Set(coins), feed: name, state: &s, health: health)
                    }
                    for item in items { await emit(item) }
                }
            }
        }
    }

    /// Decodes one message into feed items (deduplicated trades, a gap, a book top), counting
    /// a malformed one by reason.
    static func handle(_ text: String, limit: Int, coins: Set<String>, feed: String, state s: inout State,
                       health: FeedHealth) -> [FeedItem] {
        do throws(FrameError) {
            guard text.utf8.count <= limit else { throw FrameError(.oversize, "\(text.utf8.count) bytes, limit \(limit)") }
            guard let obj = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
                throw FrameError(.malformedJSON, "not a JSON object")
            }
            guard let channel = obj["channel"] as? String else { throw FrameError(.missingField, "channel") }
            switch channel {
            case "trades":
                guard let data = obj["data"] as? [Any] else { throw FrameError(.wrongType, "trades data is not an array") }
                let trades = try data.map { (t) throws(FrameError) in try trade(t) }
                guard let coin = trades.first.map({ Self.coin(of: $0) }) else { return [] }
                guard coins.contains(coin), trades.allSatisfy({ Self.coin(of: $0) == coin }) else {
                    throw FrameError(.unknownSubscription, "trades of \(coin), not subscribed")
                }
                var items: [FeedItem] = []
                if s.awaitingFirst.remove(coin) != nil, let last = s.last[coin] {
                    let reachesBack = trades.contains { Self.tid(of: $0) == last.id || Self.time(of: $0) <= last.timeMs }
                    if !reachesBack, let first = trades.map({ Self.time(of: $0) }).min() {
                        items.append(.gap(feed: feed, FeedGap(stream: "trades:\(coin)", lastBeforeMs: last.timeMs, firstAfterMs: first,
                                                             reason: "reconnected; the exchange resends only recent trades")))
                        health.update { $0.gaps += 1 }
                    }
                }
                var fresh: [MarketEvent] = []
                for t in trades where !s.delivered(coin, Self.tid(of: t)) {
                    s.remember(coin, Self.tid(of: t), Self.time(of: t))
                    fresh.append(t)
                }
                if !fresh.isEmpty {
                    health.update {
                        $0.events += fresh.count
                        $0.head = max($0.head, fresh.map(\.id.blockNumber).max() ?? 0)
                        $0.delivered = $0.head
                    }
                    items.append(.marketEvents(feed: feed, fresh))
                }
                return items
            case "l2Book":
                guard let d = obj["data"] as? [String: Any] else { throw FrameError(.wrongType, "l2Book data is not an object") }
                guard let coin = d["coin"] as? String, let time = (d["time"] as? NSNumber).flatMap({ whole($0, max: Bounds.maxTimestampMs) }),
                      let levels = d["levels"] as? [[[String: Any]]], levels.count == 2
                else { throw FrameError(.wrongType, "l2Book needs coin, time and two level arrays") }
                guard coins.contains(coin) else { throw FrameError(.unknownSubscription, "l2Book of \(coin), not subscribed") }
                let event = MarketEvent(id: id(coin: coin, key: "book:\(time)", time: time, hash: nil), emitter: emitter(coin),
                                        payload: .hlBook(coin: coin, bestBid: levels[0].first?["px"] as? String, bestAsk: levels[1].first?["px"] as? String,
                                                         bidLevels: levels[0].count, askLevels: levels[1].count, timeMs: time))
                return [.marketEvents(feed: feed, [event])]
            case "subscriptionResponse", "pong":
                return []
            case "error":
                throw FrameError(.notANotification, "the exchange says: \(obj["data"] ?? "")")
            default:
                throw FrameError(.unknownSubscription, "channel \(channel)")
            }
        } catch {
            health.update { $0.rejected[error.reason, default: 0] += 1 }
            s.rejections.reject(error, feed: feed, frameBytes: text.utf8.count)
            return []
        }
    }

    static func trade(_ any: Any) throws(FrameError) -> MarketEvent {
        guard let t = any as? [String: Any] else { throw FrameError(.wrongType, "a trade is not an object") }
        for k in ["coin", "side", "px", "sz", "hash", "time", "tid", "users"] where t[k] == nil { throw FrameError(.missingField, "trade.\(k)") }
        guard let coin = t["coin"] as? String, let side = t["side"] as? String, side == "A" || side == "B",
              let px = t["px"] as? String, Double(px) != nil, let sz = t["sz"] as? String, Double(sz) != nil,
              let hashText = t["hash"] as? String, let hash = Hash32(hex: hashText),
              let timeN = t["time"] as? NSNumber, !isBool(timeN), let tidN = t["tid"] as? NSNumber, !isBool(tidN),
              let users = t["users"] as? [String], users.count == 2,
              let buyer = Address(hex: users[0]), let seller = Address(hex: users[1])
        else { throw FrameError(.wrongType, "a trade field has the wrong type") }
        guard let time = whole(timeN, max: Bounds.maxTimestampMs), time > 0 else {
            throw FrameError(.outOfRange, "trade.time \(timeN) is not a time in milliseconds up to \(Bounds.maxTimestampMs)")
        }
        guard let tid = whole(tidN, max: UInt64(Int64.max)) else { throw FrameError(.outOfRange, "trade.tid \(tidN) is not a whole number up to 2^63 − 1") }
        return MarketEvent(id: id(coin: coin, key: "trade:\(tid)", time: time, hash: hash), emitter: emitter(coin),
                           payload: .hlTrade(coin: coin, takerBuys: side == "B", price: px, size: sz, timeMs: time, tid: tid,
                                             buyer: buyer, seller: seller))
    }

    static func isBool(_ n: NSNumber) -> Bool { String(cString: n.objCType) == "c" }

    /// A JSON number that is a whole number in 0…`max` (not negative, fractional or larger).
    static func whole(_ n: NSNumber, max: UInt64) -> UInt64? {
        let text = n.stringValue
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let v = UInt64(text), v <= max else { return nil }
        return v
    }

    /// A trade's identity: HyperCore's chain id, a hash of coin and trade id, the trade time as
    /// the "block number", the exchange's transaction hash.
    static func id(coin: String, key: String, time: UInt64, hash: Hash32?) -> EventID {
        let h = Hash32(bytes: Keccak256.hash("\(coin):\(key)"))!
        return EventID(chainId: chainId, blockHash: h, logIndex: 0, blockNumber: time, transactionHash: hash ?? h, transactionIndex: 0)
    }

    /// A stable pseudo-address per coin (the event's emitter).
    static func emitter(_ coin: String) -> Address { Address(bytes: Keccak256.hash("hyperliquid:\(coin)").suffix(20))! }

    static func coin(of e: MarketEvent) -> String {
        if case .hlTrade(let c, _, _, _, _, _, _, _) = e.payload { return c }
        return ""
    }

    static func tid(of e: MarketEvent) -> UInt64 {
        if case .hlTrade(_, _, _, _, _, let tid, _, _) = e.payload { return tid }
        return 0
    }

    static func time(of e: MarketEvent) -> UInt64 { e.id.blockNumber }
}
