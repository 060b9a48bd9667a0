import Logging
import SigilChain
import SigilCore
import SigilFeeds

/// Following the transfers of the watched pools' tokens.
///
/// A token is learned from the pools the feed is configured with (asked of the node), from a
/// factory's creation event, or from the runtime at start (tokens followed before a restart).
/// Its transfers are fetched from the block it was learned at: inside a backfill range with the
/// pools' events of that range; live, by a new subscription covering every followed token and an
/// `eth_getLogs` from that block, made after the subscription so that nothing falls between them.
/// Transfers of blocks beyond the newest head are held until that head arrives, so that the
/// runtime never sees a block's events before the previous block's.
extension EthereumLogFeed {
    /// The transfer subscription: the current id, and retired ones whose frames may still arrive.
    struct Subscriptions {
        var current: Hash32?
        var retired: [Hash32] = []

        func accepts(_ id: Hash32) -> Bool { id == current || retired.contains(id) }

        mutating func replace(with id: Hash32) -> Hash32? {
            let old = current
            if let old {
                retired.append(old)
                if retired.count > 8 { retired.removeFirst() }
            }
            current = id
            return old
        }
    }

    func subscribe(_ client: WebSocketRPCClient, _ params: [JSONValue]) async throws -> Hash32 {
        let answer = try await call(client, "eth_subscribe", params)
        guard let id = answer.stringValue.flatMap(FrameDecoder.subscriptionID) else {
            throw ChainError.transport("eth_subscribe did not answer with a subscription id (answered \(TerminalText.escaped("\(answer)".prefix(200))))")
        }
        return id
    }

    /// The filter of `tokens`' ERC-20 transfers.
    static func transferFilter(_ tokens: Set<Address>) -> [String: JSONValue] {
        ["address": .array(tokens.sorted().map { .string("\($0)") }), "topics": .array([.array([.string("\(UniswapEvents.transferTopic)")])])]
    }

    /// The tokens of the configured pools (`token0()`, `token1()`); an address that does not
    /// answer them (a factory) has none.
    func poolTokens(_ client: WebSocketRPCClient) async throws -> [Address] {
        var out: [Address] = []
        for pool in configuration.addresses {
            for selector in ["0x0dfe1681", "0xd21220a7"] {  // token0(), token1()
                let answer: JSONValue
                do {
                    answer = try await call(client, "eth_call", [.object(["to": .string("\(pool)"), "data": .string(selector)]), .string("latest")])
                } catch let e as ChainError where e.rpcCode != nil {
                    continue  // reverted: not a pool
                }
                guard let hex = answer.stringValue, let word = Hash32(hex: hex), let token = try? Address(abiWord: word), token != .zero
                else { continue }
                out.append(token)
            }
        }
        return out
    }

    /// Starts following `token` from block `from`, unless it is followed or the limit is reached.
    func learn(_ token: Address, from: UInt64, _ c: inout Cursor) {
        guard token != .zero, !c.tokens.contains(token) else { return }
        guard c.tokens.count < configuration.maxTokens else {
            health.update { $0.tokensOverLimit += 1 }
            return
        }
        c.tokens.insert(token)
        c.pending[token] = from
        let n = c.tokens.count
        health.update { $0.tokensFollowed = n }
    }

    /// The tokens of a pool a factory created in `event`.
    func learnTokens(of event: MarketEvent, _ c: inout Cursor) {
        switch event.payload {
        case .v2PairCreated(let t0, let t1, _, _), .v3PoolCreated(let t0, let t1, _, _, _):
            learn(t0, from: event.id.blockNumber, &c)
            learn(t1, from: event.id.blockNumber, &c)
        default:
            break
        }
    }

    /// Subscribes to the transfers of every followed token, retiring the previous subscription.
    func resubscribe(_ client: WebSocketRPCClient, _ c: inout Cursor, _ subs: inout Subscriptions) async throws {
        guard !c.tokens.isEmpty, c.tokens != c.subscribed else { return }
        let id = try await subscribe(client, ["logs", .object(Self.transferFilter(c.tokens))])
        if let old = subs.replace(with: id) { _ = try await call(client, "eth_unsubscribe", [.string(Self.subscriptionText(old))]) }
        c.subscribed = c.tokens
    }

    /// The `eth_subscribe` id as the node wrote it (minimal hex) from its 32-byte form.
    static func subscriptionText(_ id: Hash32) -> String {
        let hex = "\(id)".dropFirst(2).drop { $0 == "0" }
        return "0x" + (hex.isEmpty ? "0" : hex)
    }

    /// Covers tokens learned since the last subscription: subscribes, then fetches their
    /// transfers from the block each was learned at to the node's head.
    func followNewTokens(_ client: WebSocketRPCClient, _ c: inout Cursor, _ subs: inout Subscriptions,
                         _ emit: @escaping @Sendable (FeedItem) async -> Void) async throws {
        try await resubscribe(client, &c, &subs)
        guard !c.pending.isEmpty else { return }
        let head = try await nodeHead(client)
        var byStart: [UInt64: Set<Address>] = [:]
        for (t, from) in c.pending { byStart[max(from, c.next ?? 0), default: []].insert(t) }
        c.pending = [:]
        var events: [FeedEvent] = []
        for (from, tokens) in byStart.sorted(by: { $0.key < $1.key }) where from <= head {
            var start = from
            while start <= head {
                let end = min(head, start + max(configuration.backfillBlocks, 1) - 1)
                events += try decodeLogs(try await transferLogs(client, tokens, from: start, to: end), &c)
                start = end + 1
            }
        }
        events.sort { ($0.event.id.blockNumber, $0.event.id.logIndex) < ($1.event.id.blockNumber, $1.event.id.logIndex) }
        let next = c.next ?? 0
        var now: [FeedEvent] = []
        for e in events where e.event.id.blockNumber >= next {
            if e.event.id.blockNumber <= c.head { now.append(e) } else { c.early[e.event.id.blockNumber, default: []].append(e) }
        }
        await deliver(now, &c, emit)
    }

    /// Delivers held-early transfers of blocks up to `n` (their head has arrived).
    func deliverEarly(through n: UInt64, _ c: inout Cursor, _ emit: @escaping @Sendable (FeedItem) async -> Void) async {
        let ready = c.early.keys.filter { $0 <= n }.sorted()
        guard !ready.isEmpty else { return }
        var out: [FeedEvent] = []
        for b in ready { out += c.early.removeValue(forKey: b) ?? [] }
        await deliver(out, &c, emit)
    }

    /// `eth_getLogs` of `tokens`' transfers in a block range.
    func transferLogs(_ client: WebSocketRPCClient, _ tokens: Set<Address>, from: UInt64, to: UInt64) async throws -> [JSONValue] {
        var filter = Self.transferFilter(tokens)
        filter["fromBlock"] = .string(Hex.quantity(from))
        filter["toBlock"] = .string(Hex.quantity(to))
        let answer = try await call(client, "eth_getLogs", [.object(filter)])
        guard let entries = answer.arrayValue else { throw ChainError.transport("eth_getLogs answered \(TerminalText.escaped("\(answer)".prefix(200)))") }
        return entries
    }

    /// The decodable events of `eth_getLogs` entries (an entry that is not a log fails the call,
    /// and the connection; a log that breaks its event's ABI is counted and skipped).
    func decodeLogs(_ entries: [JSONValue], _ c: inout Cursor) throws -> [FeedEvent] {
        var events: [FeedEvent] = []
        events.reserveCapacity(entries.count)
        for entry in entries {
            let log = try EthLog(json: entry)
            do throws(ChainError) {
                if let e = try UniswapEvents.decode(log, chainId: c.chainId) {
                    events.append(FeedEvent(event: e, log: log))
                    c.remember(log.blockNumber, log.blockHash)
                }
            } catch {
                health.update { $0.rejected[.abiMismatch, default: 0] += 1 }
            }
        }
        return events
    }
}
