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
/// to `notifications` as the exact text that arrived, for the decoder and for recording.
/// When the connection ends, pending calls fail and `notifications` finishes.
public final class WebSocketRPCClient: JSONRPCTransport {
    public let url: String
    public let notifications: AsyncStream<String>
    let notificationSink: AsyncStream<String>.Continuation
    let logger: Logger
    let maxFrameSize: Int
    let state = Mutex(State())

    /// A call in flight: the response may arrive before the caller starts waiting for it.
    enum Slot {
        case sent
        case answered(Result<JSONValue, any Error>)
        case waiting(CheckedContinuation<JSONValue, any Error>)
    }

    struct State {
        var writer: WebSocketOutboundWriter?
        var finished = false
        var nextID: Int64 = 1
        var pending: [Int64: Slot] = [:]
        var connectWaiters: [CheckedContinuation<Void, any Error>] = []
    }

    public init(url: String, logger: Logger, maxFrameSize: Int = 16 << 20, bufferedNotifications: Int = 100_000) {
        self.url = url
        self.logger = logger
        self.maxFrameSize = maxFrameSize
        (notifications, notificationSink) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingOldest(bufferedNotifications))
    }

    /// Connects and serves the connection until it closes or the task is cancelled.
    public func run() async throws {
        defer { finish(ChainError.transport("\(url): connection closed")) }
        let configuration = WebSocketClientConfiguration(
            maxFrameSize: maxFrameSize,
            extensions: [.perMessageDeflate(maxDecompressedFrameSize: maxFrameSize)],
            autoPing: .enabled(timePeriod: .seconds(15))
        )
        do {
            try await WebSocketClient.connect(url: url, configuration: configuration, logger: logger) { inbound, outbound, _ in
                let waiters = self.state.withLock { s in
                    s.writer = outbound
                    defer { s.connectWaiters = [] }
                    return s.connectWaiters
                }
                for w in waiters { w.resume() }
                for try await message in inbound.messages(maxSize: self.maxFrameSize) {
                    guard case .text(let text) = message else { continue }
                    self.receive(text)
                }
            }
        } catch {
            throw ChainError.transport("\(url): \(error)")
        }
    }

    /// Waits until `run()` has connected (or failed).
    public func waitUntilConnected() async throws {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
            let ready: Bool? = state.withLock { s in
                if s.finished { return nil }
                if s.writer != nil { return true }
                s.connectWaiters.append(c)
                return false
            }
            switch ready {
            case true?: c.resume()
            case nil: c.resume(throwing: ChainError.transport("\(url): connection closed"))
            case false?: break
            }
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
        return try await withCheckedThrowingContinuation { (c: CheckedContinuation<JSONValue, any Error>) in
            let early: Result<JSONValue, any Error>? = state.withLock { s in
                switch s.pending[id] {
                case .answered(let r)?:
                    s.pending[id] = nil
                    return r
                case .sent?:
                    s.pending[id] = .waiting(c)
                    return nil
                case .waiting?, nil:
                    return .failure(ChainError.transport("\(url): connection closed"))
                }
            }
            if let early { c.resume(with: early) }
        }
    }

    func receive(_ text: String) {
        if Self.isNotification(text) {
            notificationSink.yield(text)
            return
        }
        let response: JSONRPC.Response
        do {
            response = try JSONRPC.decodeResponse(Data(text.utf8))
        } catch {
            logger.warning("dropping a frame that is neither a notification nor a response", metadata: ["bytes": "\(text.utf8.count)"])
            return
        }
        guard case .int(let id)? = response.id else {
            logger.warning("dropping a response without a numeric id")
            return
        }
        do {
            resolve(id, .success(try response.value()))
        } catch {
            resolve(id, .failure(error))
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
            s.writer = nil
            defer { s.pending = [:]; s.connectWaiters = [] }
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
