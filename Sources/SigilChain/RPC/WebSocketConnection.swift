public import Logging
import NIOCore
import NIOPosix
import Synchronization
public import WSClient

/// One websocket connection made safe against a peer that stalls or misbehaves: it runs on an
/// event loop of its own, so that `abort` (or a handshake that does not finish within
/// `handshakeTimeout`, or the task being cancelled) closes the socket in any state, TCP connect,
/// TLS and HTTP upgrade included, and `run` returns promptly. A failure says what went wrong
/// (connection refused, host not found, not a websocket endpoint, TLS failed), never only
/// "connection closed".
public final class WebSocketConnection: Sendable {
    public let url: String
    struct State {
        var group: MultiThreadedEventLoopGroup?
        var abortReason: String?
        var connected = false
        /// How the connection ended, once it has; and who waits for it.
        var outcome: Result<Void, any Error>?
        var waiters: [CheckedContinuation<Void, any Error>] = []
        var connect: Task<Void, Never>?
    }
    let state = Mutex(State())

    public init(url: String) { self.url = url }

    /// True once the websocket handshake completed.
    public var isConnected: Bool { state.withLock { $0.connected } }

    /// Gives the connection up; `run` then throws `reason`. Before the handshake completed,
    /// `run` returns at once and the socket is closed (its event loop shut down); after, the
    /// caller cancels the task running `run`, which closes the websocket in order.
    public func abort(_ reason: String) {
        let (group, connect): (MultiThreadedEventLoopGroup?, Task<Void, Never>?) = state.withLock { s in
            if s.abortReason == nil { s.abortReason = reason }
            return s.connected ? (nil, nil) : (s.group, s.connect)
        }
        guard group != nil || connect != nil else { return }
        connect?.cancel()
        group?.shutdownGracefully { _ in }
        finish(.failure(ChainError.transport("\(url): \(reason)")))
    }

    func finish(_ result: Result<Void, any Error>) {
        let waiters: [CheckedContinuation<Void, any Error>] = state.withLock { s in
            guard s.outcome == nil else { return [] }
            s.outcome = result
            defer { s.waiters = [] }
            return s.waiters
        }
        for w in waiters { w.resume(with: result) }
    }

    func outcome() async throws {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
            let done: Result<Void, any Error>? = state.withLock { s in
                if let o = s.outcome { return o }
                s.waiters.append(c)
                return nil
            }
            if let done { c.resume(with: done) }
        }
    }

    /// Connects, runs `handler` on the connection until it ends, and closes it.
    ///
    /// NIO cannot interrupt every phase of a connect (a name being resolved, a TCP connect under
    /// way), so the connect runs in a task of its own that `run` does not wait for when the
    /// handshake is abandoned: it is cancelled, its event loop shut down, and `run` returns. (The
    /// one task outside structured concurrency in the feeds, for that reason.)
    public func run(configuration: WebSocketClientConfiguration, handshakeTimeout: Duration, logger: Logger,
                    handler: @escaping WebSocketDataHandler<WebSocketClient.Context>) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let url = self.url
        let connect = Task {
            do {
                _ = try await WebSocketClient.connect(url: url, configuration: configuration, eventLoopGroup: group,
                                                      logger: logger) { inbound, outbound, context in
                    self.state.withLock { $0.connected = true }
                    try await handler(inbound, outbound, context)
                }
                if let reason = self.state.withLock({ $0.abortReason }) {
                    self.finish(.failure(ChainError.transport("\(url): \(reason)")))
                } else {
                    self.finish(.success(()))
                }
            } catch {
                self.finish(.failure(self.failure(error)))
            }
            try? await group.shutdownGracefully()
        }
        let aborted: String? = state.withLock { s in
            s.group = group
            s.connect = connect
            return s.abortReason
        }
        if let aborted { abort(aborted) }
        try await withTaskCancellationHandler {
            try await withThrowingTaskGroup(of: Bool.self) { tasks in
                tasks.addTask {
                    try await self.outcome()
                    return true
                }
                tasks.addTask {
                    do { try await Task.sleep(for: handshakeTimeout) } catch { return false }
                    if !self.isConnected { self.abort("no websocket handshake within \(handshakeTimeout) (the peer accepted the connection but did not answer)") }
                    return false
                }
                while let finished = try await tasks.next() {
                    if finished {
                        tasks.cancelAll()
                        return
                    }
                }
            }
        } onCancel: {
            self.abort("cancelled")
            connect.cancel()
        }
    }

    func failure(_ error: any Error) -> ChainError {
        if let reason = state.withLock({ $0.abortReason }) { return ChainError.transport("\(url): \(reason)") }
        return ChainError.transport("\(url): \(Self.describe(error))")
    }

    /// What a connection failure means, in words an operator can act on.
    public static func describe(_ error: any Error) -> String {
        if let e = error as? ChainError { return e.description }
        if let e = error as? NIOConnectionError {
            if e.connectionErrors.isEmpty { return "cannot resolve the host \(e.host) (no address found)" }
            let reasons = e.connectionErrors.map { describe($0.error) }
            return "cannot connect to \(e.host):\(e.port): " + Set(reasons).sorted().joined(separator: "; ")
        }
        if let e = error as? IOError { return String(cString: strerror(e.errnoCode)) }
        if let e = error as? ChannelError {
            switch e {
            case .connectTimeout(let t): return "TCP connect timed out after \(t)"
            case .eof, .alreadyClosed, .ioOnClosedChannel, .outputClosed: return "the peer closed the connection"
            default: return "\(e)"
            }
        }
        if let e = error as? WebSocketClientError {
            if e == .webSocketUpgradeFailed { return "not a websocket endpoint: the HTTP upgrade was refused" }
            if e == .invalidURL { return "invalid websocket URL" }
            return e.description
        }
        let type = String(reflecting: Swift.type(of: error))
        if type.contains("NIOSSL") || type.contains("BoringSSL") { return "TLS failed: \(error) (is the peer speaking TLS?)" }
        if type.contains("HTTP") || type.contains("Upgrade") { return "not a websocket endpoint: \(error)" }
        return "\(error)"
    }
}

#if canImport(Glibc)
import Glibc
#endif
