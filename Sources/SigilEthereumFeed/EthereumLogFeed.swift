import Foundation
public import Logging
import SigilChain
public import SigilCore
public import SigilFeeds
import Synchronization

/// A live Uniswap feed from an Ethereum node over ws/wss: `eth_subscribe` to `newHeads` and to
/// the Uniswap events of the configured addresses, with `eth_getLogs` backfill from the last
/// closed block on every (re)connect, reorg handling and a silence watchdog.
///
/// Following token transfers, the feed also delivers the ERC-20 `Transfer` events of the tokens
/// of the watched pools (never the whole chain's): the tokens of configured pools (asked of the
/// node with `token0()`/`token1()`), of pools their factories create, and those the runtime
/// followed before a restart. A token is followed from the block its pool became known; its
/// transfers go through the same backfill, closes and rewinds as the pools' events.
///
/// Guarantees, given the runtime deduplicates on `EventID`:
/// - no gap: every connection first backfills from the block after the last one closed, while
///   the new subscriptions' notifications wait in the client's buffer; live frames then follow;
/// - reorgs, announced (`removed: true` logs, a head whose parent is not the block we hold) or
///   found on reconnect (a block we hold that the node no longer has), are resolved by finding
///   the common ancestor, emitting `.rewind` to it and backfilling the new branch;
/// - a block is closed (`.blockClosed`, the runtime's checkpoint) only once all of its logs
///   have been delivered: by `eth_getLogs`, or by the subscription when the next head arrives;
/// - with `confirmations: k` an event is released only once its block is k blocks deep, so
///   reorgs shallower than k never reach the strategies.
public final class EthereumLogFeed: Sendable {
    public struct Configuration: Sendable, Hashable {
        public enum Start: Sendable, Hashable {
            /// Start at the node's head (no history).
            case latest
            /// Start at this block (backfilling history from it).
            case block(UInt64)
        }

        public var name: String
        public var url: String
        /// When set, the node must be on this chain.
        public var chainId: UInt64?
        /// Pools and factories to follow; empty: every Uniswap event on the chain.
        public var addresses: [Address]
        /// Where a feed with no checkpoint starts.
        public var start: Start
        public var confirmations: UInt64
        /// No frame for this long: probe the node; no answer means the socket is dead.
        public var silenceTimeout: Duration
        /// A call without an answer in this time fails (and the connection is replaced).
        public var requestTimeout: Duration
        /// Blocks per `eth_getLogs` call (halved while the node says the answer is too large).
        public var backfillBlocks: UInt64
        /// Notifications longer than this are rejected as oversize.
        public var maxFrameBytes: Int
        public var pingInterval: Duration
        public var backoff: Backoff
        /// Whether to follow the transfers of the watched pools' tokens.
        public var transfers: TransferFollowing
        /// Tokens followed at most (each is one address in the transfer subscription's filter);
        /// tokens past it are counted in the health (`tokensOverLimit`) and not followed.
        public var maxTokens: Int

        public init(name: String, url: String, chainId: UInt64? = nil, addresses: [Address] = [], start: Start = .latest,
                    confirmations: UInt64 = 0, silenceTimeout: Duration = .seconds(30), requestTimeout: Duration = .seconds(10),
                    backfillBlocks: UInt64 = 1_000, maxFrameBytes: Int = 1 << 20, pingInterval: Duration = .seconds(10),
                    backoff: Backoff = Backoff(), transfers: TransferFollowing = .auto, maxTokens: Int = 10_000) {
            self.name = name
            self.url = url
            self.chainId = chainId
            self.addresses = addresses
            self.start = start
            self.confirmations = confirmations
            self.silenceTimeout = silenceTimeout
            self.requestTimeout = requestTimeout
            self.backfillBlocks = backfillBlocks
            self.maxFrameBytes = maxFrameBytes
            self.pingInterval = pingInterval
            self.backoff = backoff
            self.transfers = transfers
            self.maxTokens = maxTokens
        }
    }

    /// `token_transfers:` of a feed.
    public enum TransferFollowing: String, Sendable, Hashable, CaseIterable {
        /// Followed when a configured strategy wants `erc20.transfer` events.
        case auto
        case on
        case off
    }

    /// A configuration the node contradicts (another chain): reconnecting cannot help.
    public struct Misconfigured: Error, CustomStringConvertible {
        public let description: String
    }

    public let configuration: Configuration
    public let health: FeedHealth
    /// Unread notifications a connection holds at most.
    public static let bufferedNotifications = 4_096
    let logger: Logger
    /// True when the feed follows the watched pools' token transfers.
    public let followsTransfers: Bool

    /// A feed; `followTransfers` decides `transfers: auto` (on: a strategy wants transfers).
    public init(configuration: Configuration, logger: Logger, followTransfers: Bool = false) {
        self.configuration = configuration
        switch configuration.transfers {
        case .on: followsTransfers = true
        case .off: followsTransfers = false
        case .auto: followsTransfers = followTransfers
        }
        self.health = FeedHealth(feed: configuration.name)
        var l = logger
        l[metadataKey: "feed"] = "\(configuration.name)"
        self.logger = l
    }

    /// What the feed holds between connections.
    struct Cursor {
        /// The first block not yet closed.
        var next: UInt64?
        /// The newest head seen.
        var head: UInt64 = 0
        /// Blocks up to here were delivered completely by `eth_getLogs` (live duplicates of
        /// them are dropped here rather than in the runtime).
        var backfilledThrough: UInt64 = 0
        /// Hashes of recent blocks delivered or announced.
        var known: [UInt64: Hash32] = [:]
        /// Events waiting for their confirmations, by block.
        var held: [UInt64: [FeedEvent]] = [:]
        var chainId: UInt64 = 0
        /// Tokens whose transfers are followed; the transfer subscription covers `subscribed`.
        var tokens: Set<Address> = []
        var subscribed: Set<Address> = []
        /// Tokens learned but not yet covered by a subscription, with the first block of theirs
        /// not yet fetched.
        var pending: [Address: UInt64] = [:]
        /// The configured pools' tokens were asked of the node.
        var askedPoolTokens = false
        /// Transfers fetched for blocks beyond the newest head, until that head arrives.
        var early: [UInt64: [FeedEvent]] = [:]

        mutating func remember(_ number: UInt64, _ hash: Hash32) {
            known[number] = hash
            if known.count > 1_024, let floor = known.keys.max().map({ $0 > 768 ? $0 - 768 : 0 }) {
                known = known.filter { $0.key >= floor }
            }
        }
    }

    /// Follows the chain until cancelled, reconnecting with backoff. `resume` is where the
    /// runtime's checkpoint says to continue; nil: a fresh start at `configuration.start`.
    public func run(resume: ChainResumePoint?, tokens: Set<Address> = [], emit: @escaping @Sendable (FeedItem) async -> Void) async throws {
        var cursor = Cursor()
        if followsTransfers {
            for t in tokens.sorted() where t != .zero && cursor.tokens.count < configuration.maxTokens { cursor.tokens.insert(t) }
            let n = cursor.tokens.count, over = tokens.count - n
            health.update {
                $0.tokensFollowed = n
                $0.tokensOverLimit = max(over, 0)
            }
        }
        if let resume {
            cursor.next = resume.checkpoint + 1
            cursor.known = resume.knownHashes
            cursor.head = resume.checkpoint
        }
        try await reconnecting(backoff: configuration.backoff, health: health, logger: logger, isFatal: { $0 is Misconfigured }) {
            try await session(&cursor, emit)
        }
    }

    /// One connection: subscribe, catch up, follow live until the connection fails.
    func session(_ c: inout Cursor, _ emit: @escaping @Sendable (FeedItem) async -> Void) async throws {
        health.update { $0.state = .connecting }
        // A bounded buffer of unread notifications: when the runtime falls this far behind, the
        // connection ends and the next one backfills from the checkpoint (never a silent drop).
        let client = WebSocketRPCClient(url: configuration.url, logger: logger, pingInterval: configuration.pingInterval,
                                        handshakeTimeout: configuration.requestTimeout, bufferedNotifications: Self.bufferedNotifications)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await client.run() }
            defer { group.cancelAll() }
            try await withTimeout(configuration.requestTimeout, "\(configuration.url): no websocket handshake within \(configuration.requestTimeout)") {
                try await client.waitUntilConnected()
            }
            group.addTask { [configuration, health, logger] in
                try await Self.watchdog(client, configuration: configuration, health: health, logger: logger)
            }
            try await follow(client, &c, emit)
        }
    }

    /// Probes a connection that has been silent for the silence timeout; a node that does not
    /// answer (a half-open socket), or whose head moved on without a notification (a lost
    /// subscription), has the connection abandoned.
    static func watchdog(_ client: WebSocketRPCClient, configuration: Configuration, health: FeedHealth, logger: Logger) async throws {
        let tick = max(configuration.silenceTimeout / 4, .milliseconds(50))
        while true {
            try await Task.sleep(for: tick)
            let quiet = ContinuousClock.now - client.lastReceived
            guard quiet >= configuration.silenceTimeout else { continue }
            do {
                let answer = try await client.call("eth_blockNumber", [], timeout: configuration.requestTimeout)
                let nodeHead = answer.stringValue.flatMap { Hex.quantity($0) } ?? 0
                let seen = health.snapshot.head
                if nodeHead > seen + 1 {
                    health.update { $0.state = .stalled }
                    logger.warning("the node is at a newer block than the subscription announced; replacing the connection",
                                   metadata: ["node_head": "\(nodeHead)", "seen_head": "\(seen)"])
                    client.abandon("subscription silent while the chain moved on (node at \(nodeHead), seen \(seen))")
                    return
                }
            } catch {
                health.update { $0.state = .stalled }
                // Both figures in the bot's own clock: how long the socket had been silent when the
                // probe went out, and when the probe's timeout declared it dead.
                logger.warning("no frame and no answer to a probe; the connection is dead",
                               metadata: ["silent_for": "\(quiet)", "dead_after": "\(ContinuousClock.now - client.lastReceived)"])
                client.abandon("silent for \(quiet) and no answer to a probe")
                return
            }
        }
    }

    func call(_ client: WebSocketRPCClient, _ method: String, _ params: [JSONValue] = []) async throws -> JSONValue {
        try await client.call(method, params, timeout: configuration.requestTimeout)
    }

    func follow(_ client: WebSocketRPCClient, _ c: inout Cursor, _ emit: @escaping @Sendable (FeedItem) async -> Void) async throws {
        let idValue = try await call(client, "eth_chainId")
        guard let nodeChain = idValue.stringValue.flatMap({ Hex.quantity($0) }) else {
            throw ChainError.transport("eth_chainId answered \(idValue)")
        }
        if let expected = configuration.chainId, expected != nodeChain {
            throw Misconfigured(description: "feed \(configuration.name): \(configuration.url) serves chain \(nodeChain), the configuration says \(expected)")
        }
        c.chainId = nodeChain
        let decoder = FrameDecoder(chainId: nodeChain)
        let filter = logFilter()
        let heads = try await subscribe(client, ["newHeads"])
        let logs = try await subscribe(client, ["logs", .object(filter)])
        var transfers = Subscriptions()
        if followsTransfers {
            if !c.askedPoolTokens {
                for t in try await poolTokens(client) { learn(t, from: c.next ?? 0, &c) }
                c.askedPoolTokens = true
            }
            // A new connection: every token is covered again by this subscription and the backfill.
            c.pending = [:]
            c.subscribed = []
            try await resubscribe(client, &c, &transfers)
        }

        try await catchUp(client, &c, emit)
        if followsTransfers { try await followNewTokens(client, &c, &transfers, emit) }
        health.update { $0.state = .live }
        logger.info("live", metadata: ["chain": "\(nodeChain)", "block": "\(c.head)"])
        var rejections = FrameRejections(logger: logger)
        for await notification in client.notifications {
            let frame = notification.text
            let size = frame.utf8.count
            let decoded: FrameDecoder.Decoded
            let log: EthLog?
            do throws(FrameError) {
                guard size <= configuration.maxFrameBytes else {
                    throw FrameError(.oversize, "\(size) bytes, limit \(configuration.maxFrameBytes)")
                }
                (decoded, log) = try decoder.decodeKeepingLog(frame)
                let sub: Hash32
                switch decoded {
                case .head(_, let s): sub = s
                case .event(_, let s), .otherLog(_, let s): sub = s
                }
                let known: Bool
                if case .head = decoded { known = sub == heads } else { known = sub == logs || transfers.accepts(sub) }
                guard known else { throw FrameError(.unknownSubscription, "\(sub)") }
            } catch {
                health.update { $0.rejected[error.reason, default: 0] += 1 }
                rejections.reject(error, feed: configuration.name, frameBytes: size)
                continue
            }
            switch decoded {
            case .head(let h, _):
                try await onHead(h, client, &c, emit)
            case .event(let e, _):
                if e.removed {
                    try await onRemoved(e, client, &c, emit)
                } else if let log, let refused = try await onLog(FeedEvent(event: e, log: log, received: notification.received), client, &c, emit) {
                    health.update { $0.rejected[refused.reason, default: 0] += 1 }
                    rejections.reject(refused, feed: configuration.name, frameBytes: size)
                }
            case .otherLog:
                break
            }
            if followsTransfers, !c.pending.isEmpty { try await followNewTokens(client, &c, &transfers, emit) }
        }
        throw client.failure ?? ChainError.transport("\(configuration.url): the peer closed the connection")
    }

    /// The Uniswap topics of the configured addresses: the logs subscription's filter, and the
    /// backfill's with a block range added.
    func logFilter() -> [String: JSONValue] {
        var filter: [String: JSONValue] = ["topics": .array([.array(UniswapEvents.topics.values.sorted().map { .string("\($0)") })])]
        if !configuration.addresses.isEmpty { filter["address"] = .array(configuration.addresses.map { .string("\($0)") }) }
        return filter
    }

    // MARK: catching up

    func blockHash(_ client: WebSocketRPCClient, _ number: UInt64) async throws -> Hash32? {
        let b = try await call(client, "eth_getBlockByNumber", [.string(Hex.quantity(number)), .bool(false)])
        return b["hash"]?.stringValue.flatMap { Hash32(hex: $0) }
    }

    func nodeHead(_ client: WebSocketRPCClient) async throws -> UInt64 {
        let v = try await call(client, "eth_blockNumber")
        guard let n = v.stringValue.flatMap({ Hex.quantity($0) }), n <= Bounds.maxBlockNumber else {
            throw ChainError.transport("eth_blockNumber answered \(TerminalText.escaped("\(v)".prefix(200)))")
        }
        return n
    }

    /// On connect: settle any reorg that happened while away, then backfill to the node's head.
    func catchUp(_ client: WebSocketRPCClient, _ c: inout Cursor, _ emit: @escaping @Sendable (FeedItem) async -> Void) async throws {
        let head = try await nodeHead(client)
        if c.next == nil {
            switch configuration.start {
            case .latest: c.next = head + 1
            case .block(let n): c.next = n
            }
            if let next = c.next, next > 0, let h = try await blockHash(client, next - 1) {
                c.remember(next - 1, h)
                await emit(.blockClosed(feed: configuration.name, chainId: c.chainId, number: next - 1, hash: h))
            }
        }
        if let (n, mine) = c.known.max(by: { $0.key < $1.key }) {
            let theirs = n <= head ? try await blockHash(client, n) : nil
            if theirs != mine { try await rewind(suspect: n, client, &c, emit) }
        }
        try await backfill(to: head, client, &c, emit)
    }

    /// Delivers every Uniswap event from `c.next` to `to` with `eth_getLogs`, in bounded ranges.
    func backfill(to: UInt64, _ client: WebSocketRPCClient, _ c: inout Cursor, _ emit: @escaping @Sendable (FeedItem) async -> Void) async throws {
        guard var start = c.next, start <= to else {
            c.head = max(c.head, to)
            health.update { $0.head = max($0.head, to) }
            return
        }
        health.update {
            $0.state = .backfilling
            $0.head = max($0.head, to)
        }
        c.head = max(c.head, to)
        var span = max(configuration.backfillBlocks, 1)
        while start <= to {
            let end = min(to, start + span - 1)
            var filter = logFilter()
            filter["fromBlock"] = .string(Hex.quantity(start))
            filter["toBlock"] = .string(Hex.quantity(end))
            let answer: JSONValue
            do {
                answer = try await call(client, "eth_getLogs", [.object(filter)])
            } catch let e as ChainError where e.rpcCode == -32005 && span > 1 {
                span = max(span / 2, 1)
                continue
            }
            guard let entries = answer.arrayValue else { throw ChainError.transport("eth_getLogs answered \(answer)") }
            var events = try decodeLogs(entries, &c)
            if followsTransfers {
                for e in events { learnTokens(of: e.event, &c) }
                if !c.tokens.isEmpty {
                    // The range's transfers of every token followed, those just learned included.
                    let transfers: [JSONValue]
                    do {
                        transfers = try await transferLogs(client, c.tokens, from: start, to: end)
                    } catch let e as ChainError where e.rpcCode == -32005 && span > 1 {
                        span = max(span / 2, 1)
                        continue
                    }
                    events += try decodeLogs(transfers, &c)
                    events.sort { ($0.event.id.blockNumber, $0.event.id.logIndex) < ($1.event.id.blockNumber, $1.event.id.logIndex) }
                    for t in c.pending.keys { c.pending[t] = max(c.pending[t] ?? 0, end + 1) }
                }
            }
            guard let endHash = try await blockHash(client, end) else { throw ChainError.transport("block \(end) is unknown to the node") }
            c.remember(end, endHash)
            await deliver(events, &c, emit)
            c.backfilledThrough = end
            await close(through: end, &c, emit)
            start = end + 1
            if span < configuration.backfillBlocks { span = min(span * 2, configuration.backfillBlocks) }
        }
    }

    // MARK: live

    func onHead(_ h: BlockHead, _ client: WebSocketRPCClient, _ c: inout Cursor, _ emit: @escaping @Sendable (FeedItem) async -> Void) async throws {
        if h.number > 0, let parent = c.known[h.number - 1], parent != h.parentHash {
            try await rewind(suspect: h.number - 1, client, &c, emit)
        } else if let mine = c.known[h.number], mine != h.hash {
            try await rewind(suspect: h.number, client, &c, emit)
        }
        c.remember(h.number, h.hash)
        if h.number > 0, c.known[h.number - 1] == nil { c.remember(h.number - 1, h.parentHash) }
        if let next = c.next, h.number > max(c.head, next > 0 ? next - 1 : 0) + 1 {
            // Heads were skipped: fetch what they carried rather than trust the subscription.
            try await backfill(to: h.number - 1, client, &c, emit)
        }
        c.head = max(c.head, h.number)
        health.update { $0.head = max($0.head, h.number) }
        await deliverEarly(through: c.head, &c, emit)
        let k = configuration.confirmations
        if k > 0, c.head >= k { await release(through: c.head - k, &c, emit) }
        let closable = c.head >= max(k, 1) ? c.head - max(k, 1) : nil
        if let closable { await close(through: closable, &c, emit) }
    }

    /// A live log: delivered, dropped as a copy of one delivered already, or refused (returned)
    /// when it breaks the chain's order: a log of a block the feed closed that is not a copy, or
    /// of a block beyond the next one that the node, asked, does not have.
    func onLog(_ e: FeedEvent, _ client: WebSocketRPCClient, _ c: inout Cursor,
               _ emit: @escaping @Sendable (FeedItem) async -> Void) async throws -> FrameError? {
        let n = e.event.id.blockNumber, hash = e.event.id.blockHash
        if n <= c.backfilledThrough, c.known[n] == hash { return nil }  // already delivered by eth_getLogs
        if let next = c.next, n < next {
            // Every log of a closed block was delivered before it closed.
            if c.known[n] == hash { return nil }
            return FrameError(.staleBlock, "a log of block \(n) (\(hash)), which the feed closed at \(c.known[n].map { "\($0)" } ?? "another hash")")
        }
        if n > c.head.addingSaturated(1), c.known[n] != hash {
            // Ahead of every head announced: believed only if the node has that block.
            guard try await blockHash(client, n) == hash else {
                return FrameError(.unknownBlock, "a log of block \(n) (\(hash)), beyond the head \(c.head), which the node does not have")
            }
        }
        c.remember(n, hash)
        if followsTransfers { learnTokens(of: e.event, &c) }
        await deliver([e], &c, emit)
        return nil
    }

    func onRemoved(_ e: MarketEvent, _ client: WebSocketRPCClient, _ c: inout Cursor, _ emit: @escaping @Sendable (FeedItem) async -> Void) async throws {
        guard c.known[e.id.blockNumber] == e.id.blockHash else { return }  // a block already rewound past
        try await rewind(suspect: e.id.blockNumber, client, &c, emit)
    }

    // MARK: delivery

    /// Hands events to the runtime now, or holds them until their block is deep enough.
    func deliver(_ events: [FeedEvent], _ c: inout Cursor, _ emit: @escaping @Sendable (FeedItem) async -> Void) async {
        guard !events.isEmpty else { return }
        let k = configuration.confirmations
        let releasable = c.head >= k ? c.head - k : nil
        var now: [FeedEvent] = []
        for e in events {
            let n = e.event.id.blockNumber
            if k == 0 || (releasable.map { n <= $0 } ?? false) { now.append(e) } else { c.held[n, default: []].append(e) }
        }
        if !now.isEmpty {
            health.update { $0.events += now.count }
            await emit(.events(feed: configuration.name, now))
        }
    }

    func release(through n: UInt64, _ c: inout Cursor, _ emit: @escaping @Sendable (FeedItem) async -> Void) async {
        let ready = c.held.keys.filter { $0 <= n }.sorted()
        guard !ready.isEmpty else { return }
        var out: [FeedEvent] = []
        for b in ready { out += c.held.removeValue(forKey: b) ?? [] }
        health.update { $0.events += out.count }
        await emit(.events(feed: configuration.name, out))
    }

    /// Closes every block up to `n` (their events are all delivered): the checkpoint may move.
    func close(through n: UInt64, _ c: inout Cursor, _ emit: @escaping @Sendable (FeedItem) async -> Void) async {
        let k = configuration.confirmations
        let limit = k == 0 ? n : min(n, c.head >= k ? c.head - k : 0)
        guard let next = c.next, limit >= next, let hash = c.known[limit] else { return }
        await deliverEarly(through: limit, &c, emit)
        if k > 0 { await release(through: limit, &c, emit) }
        c.next = limit + 1
        health.update { $0.delivered = limit }
        await emit(.blockClosed(feed: configuration.name, chainId: c.chainId, number: limit, hash: hash))
    }

    /// A reorg touched `suspect` (or a block below it): walks down to the newest block whose
    /// hash the node still has, retracts everything above it, and backfills the new branch.
    func rewind(suspect: UInt64, _ client: WebSocketRPCClient, _ c: inout Cursor, _ emit: @escaping @Sendable (FeedItem) async -> Void) async throws {
        let lowest = c.known.keys.min() ?? 0
        var ancestor: UInt64?
        // Only blocks whose hash the feed holds can be compared, newest first.
        for n in c.known.keys.sorted(by: >) where n <= suspect {
            if let mine = c.known[n], try await blockHash(client, n) == mine {
                ancestor = n
                break
            }
        }
        let to = ancestor ?? (lowest > 0 ? lowest - 1 : 0)
        logger.warning("reorg: rewinding", metadata: ["suspect": "\(suspect)", "ancestor": "\(to)"])
        c.known = c.known.filter { $0.key <= to }
        c.held = c.held.filter { $0.key <= to }
        c.early = c.early.filter { $0.key <= to }
        for t in c.pending.keys { c.pending[t] = min(c.pending[t] ?? 0, to + 1) }
        c.backfilledThrough = min(c.backfilledThrough, to)
        if let next = c.next, next > to + 1 { c.next = to + 1 }
        c.head = to
        health.update {
            $0.rewinds += 1
            $0.delivered = min($0.delivered, to)
        }
        await emit(.rewind(feed: configuration.name, chainId: c.chainId, toBlock: to))
        try await backfill(to: try await nodeHead(client), client, &c, emit)
    }
}
