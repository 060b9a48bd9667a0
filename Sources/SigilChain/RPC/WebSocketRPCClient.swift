import Foundation
public import Logging
import NIOCore
import Synchronization
import WSClient
import WSCompression

/// JSON-RPC over one WebSocket connection (ws or wss, permessage-deflate when the server
/// offers it, automatic pings).
///
/// `run()` connects and serves the connection until it closes; meanwhile `call` sends
/// requests and awaits their responses, and every `eth_subscription` notification is yielded
/// to `notifications` as the exact text that arrived, for the decoder and for recording (as is
/// any frame that is not a response to a call, for the decoder to reject and count).
/// When the connection ends, pending calls fail and `notifications` finishes.
public final class WebSocketRPCClient: JSONRPCTransport {
    /// A frame as it arrived, and when (the start of the bot's frame → commit latency).
    public struct Notification: Sendable {
        public let text: String
        public let received: ContinuousClock.Instant
    }

    public let url: String
    public let notifications: AsyncStream<Notification>
    let notificationSink: AsyncStream<Notification>.Continuation
    let logger: Logger
    let maxFrameSize: Int
    let pingInterval: Duration
    let handshakeTimeout: Duration
    let connection: WebSocketConnection
    let state = Mutex(State())

    /// A call in flight: the response may arrive before the caller starts waiting for it.
    enum Slot {
        case sent
        case answered(Result<JSONValue, any Error>)
        case waiting(CheckedContinuation<JSONValue, any Error>)
    }

    struct State {
        var lastReceived = ContinuousClock.now
        var writer: WebSocketOutboundWriter?
        var finished = false
        var nextID: Int64 = 1
        var pending: [Int64: Slot] = [:]
        var connectWaiters: [CheckedContinuation<Void, any Error>] = []
        var waiterIDs: [Int] = []
        var nextWaiter = 0
        var cancelledWaiters: Set<Int> = []
        /// Why the connection ended, once it has.
        var failure: (any Error)?
        /// True once a notification found the buffer full (the connection is then abandoned).
        var overflowed = false
    }

    /// `maxFrameSize` bounds one message (an `eth_getLogs` answer can be large); a peer that
    /// does not answer a ping within `pingInterval` is disconnected.
    /// `handshakeTimeout` bounds TCP connect, TLS and the HTTP upgrade together.
    public init(url: String, logger: Logger, maxFrameSize: Int = 64 << 20, pingInterval: Duration = .seconds(15),
                handshakeTimeout: Duration = .seconds(10), bufferedNotifications: Int = 1_000_000) {
        self.url = url
        self.handshakeTimeout = handshakeTimeout
        connection = WebSocketConnection(url: url)
        self.logger = logger
        self.maxFrameSize = maxFrameSize
        self.pingInterval = pingInterval
        self.bufferedNotifications = bufferedNotifications
        (notifications, notificationSink) = AsyncStream.makeStream(of: Notification.self, bufferingPolicy: .bufferingOldest(bufferedNotifications))
    }

    /// How many notifications may wait unread.
    public let bufferedNotifications: Int

    /// True when a notification arrived while `bufferedNotifications` were waiting unread: the
    /// client dropped the connection then (with `notification buffer full` as its failure), so
    /// the consumer reconnects and backfills instead of silently missing frames.
    public var overflowed: Bool { state.withLock { $0.overflowed } }

    /// Connects and serves the connection until it closes, `abandon` is called, the handshake
    /// does not finish within `handshakeTimeout`, or the task is cancelled.
    public func run() async throws {
        let configuration = WebSocketClientConfiguration(
            maxFrameSize: maxFrameSize,
            extensions: [.perMessageDeflate(maxDecompressedFrameSize: maxFrameSize)],
            closeTimeout: .seconds(1),
            autoPing: .enabled(timePeriod: pingInterval)
        )
        do {
            try await connection.run(configuration: configuration, handshakeTimeout: handshakeTimeout, logger: logger) { inbound, outbound, _ in
                let waiters = self.state.withLock { s in
                    s.writer = outbound
                    // The ids go with their continuations: a waiter cancelled after this finds
                    // nothing to remove (it was resumed here).
                    defer { s.connectWaiters = []; s.waiterIDs = [] }
                    return s.connectWaiters
                }
                for w in waiters { w.resume() }
                for try await message in inbound.messages(maxSize: self.maxFrameSize) {
                    guard case .text(let text) = message else { continue }
                    self.receive(text)
                    // A full notification buffer ends the connection here, in its own task.
                    if let overflow = self.state.withLock({ $0.overflowed ? $0.failure : nil }) { throw overflow }
                }
            }
        } catch {
            // Callers waiting for the connection learn why it failed, not only that it closed.
            finish(error)
            throw error
        }
        finish(ChainError.transport("\(url): the peer closed the connection"))
    }

    /// Waits until `run()` has connected (or failed, or the task is cancelled).
    public func waitUntilConnected() async throws {
        let id = state.withLock { s -> Int in
            defer { s.nextWaiter += 1 }
            return s.nextWaiter
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                let ready: Result<Void, any Error>? = state.withLock { s in
                    if let e = s.failure { return .failure(e) }
                    if s.writer != nil { return .success(()) }
                    if s.cancelledWaiters.remove(id) != nil { return .failure(CancellationError()) }
                    s.connectWaiters.append(c)
                    s.waiterIDs.append(id)
                    return nil
                }
                if let ready { c.resume(with: ready) }
            }
        } onCancel: {
            let c: CheckedContinuation<Void, any Error>? = state.withLock { s in
                guard let i = s.waiterIDs.firstIndex(of: id), i < s.connectWaiters.count else {
                    // Not waiting yet (or resumed already, when the connection was made).
                    if s.writer == nil, s.failure == nil { s.cancelledWaiters.insert(id) }
                    return nil
                }
                s.waiterIDs.remove(at: i)
                return s.connectWaiters.remove(at: i)
            }
            c?.resume(throwing: CancellationError())
        }
    }

    /// `call` that gives up after `timeout`: a half-open connection answers nothing, ever.
    public func call(_ method: String, _ params: [JSONValue], timeout: Duration) async throws -> JSONValue {
        try await withTimeout(timeout, "\(url): \(method) got no answer within \(timeout)") {
            try await self.call(method, params)
        }
    }

    public func call(_ method: String, _ params: [JSONValue]) async throws -> JSONValue {
        let (id, writer): (Int64, WebSocketOutboundWriter?) = state.withLock { s in
            guard !s.finished, let w = s.writer else { return (0, nil) }
            defer { s.nextID += 1 }
            s.pending[s.nextID] = .sent
            return (s.nextID, w)
        }
        guard let writer else { throw ChainError.transport("\(url): not connected") }
        let text = String(decoding: JSONRPC.encode(id: id, method: method, params: params), as: UTF8.self)
        do {
            try await writer.write(.text(text))
        } catch {
            _ = state.withLock { $0.pending.removeValue(forKey: id) }
            throw ChainError.transport("\(url): send failed: \(error)")
        }
        // Cancellation fails the call at once: a half-open socket never answers, and a caller's
        // timeout must not wait for it.
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<JSONValue, any Error>) in
                let early: Result<JSONValue, any Error>? = state.withLock { s in
                    switch s.pending[id] {
                    case .answered(let r)?:
                        s.pending[id] = nil
                        return r
                    case .sent?:
                        s.pending[id] = .waiting(c)
                        return nil
                    case .waiting?, nil:
                        return .failure(s.failure ?? ChainError.transport("\(url): connection closed"))
                    }
                }
                if let early { c.resume(with: early) }
            }
        } onCancel: {
            resolve(id, .failure(CancellationError()))
        }
    }

    /// Why the connection ended (nil while it runs).
    public var failure: (any Error)? { state.withLock { $0.failure } }

    /// When the last message (notification or response) arrived.
    public var lastReceived: ContinuousClock.Instant { state.withLock { $0.lastReceived } }

    /// Gives the connection up, in any state: pending calls fail, `notifications` finishes and
    /// the socket is closed, so `run()` returns.
    public func abandon(_ reason: String) {
        finish(ChainError.transport("\(url): \(reason)"))
        connection.abort(reason)
    }

    func receive(_ text: String) {
        let now = ContinuousClock.now
        state.withLock { $0.lastReceived = now }
        if Self.isNotification(text) {
            deliver(Notification(text: text, received: now))
            return
        }
        // A frame that is no response to a call goes to `notifications` too: the consumer's
        // decoder rejects it with a reason (malformed JSON, not a notification), and counts it.
        guard let response = try? JSONRPC.decodeResponse(Data(text.utf8)), case .int(let id)? = response.id else {
            deliver(Notification(text: text, received: now))
            return
        }
        do {
            resolve(id, .success(try response.value()))
        } catch {
            resolve(id, .failure(error))
        }
    }

    /// Hands a frame to the consumer; a full buffer ends the connection (never a silent drop).
    func deliver(_ frame: Notification) {
        guard case .dropped = notificationSink.yield(frame) else { return }
        let first = state.withLock { s in
            defer { s.overflowed = true }
            return !s.overflowed
        }
        if first {
            finish(ChainError.transport("\(url): notification buffer full: \(bufferedNotifications) frames wait unread; "
                                        + "the connection is dropped so that the feed backfills what it would have lost"))
        }
    }

    func resolve(_ id: Int64, _ result: Result<JSONValue, any Error>) {
        let waiter: CheckedContinuation<JSONValue, any Error>? = state.withLock { s in
            switch s.pending[id] {
            case .waiting(let c)?:
                s.pending[id] = nil
                return c
            case .sent?:
                s.pending[id] = .answered(result)
                return nil
            default:
                return nil
            }
        }
        waiter?.resume(with: result)
    }

    func finish(_ error: any Error) {
        let (pending, waiters) = state.withLock { s in
            s.finished = true
            if s.failure == nil { s.failure = error }
            s.writer = nil
            defer { s.pending = [:]; s.connectWaiters = []; s.waiterIDs = [] }
            let waiting = s.pending.values.compactMap { slot -> CheckedContinuation<JSONValue, any Error>? in
                if case .waiting(let c) = slot { return c }
                return nil
            }
            return (waiting, s.connectWaiters)
        }
        for c in pending { c.resume(throwing: error) }
        for w in waiters { w.resume(throwing: error) }
        notificationSink.finish()
    }

    static let marker = Array("\"eth_subscription\"".utf8)

    /// True when the frame is a subscription notification (it names `eth_subscription`).
    static func isNotification(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { buf in
            let m = marker
            guard buf.count >= m.count else { return false }
            var i = 0
            let last = buf.count - m.count
            while i <= last {
                if buf[i] == m[0], buf[i + 1] == m[1], buf[i + 2] == m[2] {
                    var k = 3
                    while k < m.count, buf[i + k] == m[k] { k += 1 }
                    if k == m.count { return true }
                }
                i += 1
            }
            return false
        }
    }
}
