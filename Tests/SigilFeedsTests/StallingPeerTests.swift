import Foundation
import Logging
import SigilChain
import SigilCore
import SigilEthereumFeed
import SigilFeeds
import SigilTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Peers that stall or refuse: the handshake is bounded, every state of a feed honours
/// cancellation within a second, and the error says what happened.
@Suite struct StallingPeerTests {
    static var quiet: Logger {
        var l = Logger(label: "test")
        l.logLevel = .critical
        return l
    }

    @Test func aHandshakeThatIsNeverAnsweredTimesOut() async throws {
        let peer = try SilentListener()
        defer { withExtendedLifetime(peer) {} }  // open to the end, so its port is not another suite's
        let client = WebSocketRPCClient(url: "ws://127.0.0.1:\(peer.port)", logger: Self.quiet, handshakeTimeout: .milliseconds(300))
        // (How fast, measured on the binary in tools/tests/test_hostile.py: here other suites
        // share the cooperative threads.)
        await #expect { try await client.run() } throws: { "\($0)".contains("no websocket handshake within 0.3 seconds") }
    }

    /// A feed stuck connecting to a silent peer reconnects (it used to stay `connecting` with 0
    /// reconnects) and stops when cancelled (SIGINT was ignored; the binary's stop time is measured in
    /// tools/tests/test_hostile.py).
    @Test func aFeedStuckConnectingReconnectsAndStopsWhenCancelled() async throws {
        let peer = try SilentListener()
        defer { withExtendedLifetime(peer) {} }  // open to the end, so its port is not another suite's
        let feed = EthereumLogFeed(configuration: .init(name: "stuck", url: "ws://127.0.0.1:\(peer.port)", requestTimeout: .milliseconds(300),
                                                        backoff: Backoff(initial: .milliseconds(20), maximum: .milliseconds(50))),
                                   logger: Self.quiet)
        let task = Task { try await feed.run(resume: nil) { _ in } }
        // Counted in this task's own turns, not by the wall clock: other suites may hold both
        // cooperative threads for minutes, and a deadline that passes while the feed could not
        // run proves nothing (it once failed so with 0 reconnects). At least 180 s of turns.
        try await eventually("two handshakes timed out") { feed.health.snapshot.reconnects >= 2 }
        #expect(feed.health.snapshot.reconnects >= 2)
        #expect(feed.health.snapshot.lastError?.contains("within") == true)
        // Cancel in the middle of a handshake.
        try await eventually("the next handshake under way") { feed.health.snapshot.state == .connecting }
        task.cancel()
        _ = try await withDeadline("the feed stopping once cancelled") { await task.result }
    }

    @Test func connectionFailuresSayWhatWentWrong() async throws {
        // A port nobody listens on: bind one, close it.
        let port = try SilentListener().port
        let refused = WebSocketRPCClient(url: "ws://127.0.0.1:\(port)", logger: Self.quiet, handshakeTimeout: .seconds(5))
        await #expect { try await refused.run() } throws: { "\($0)".contains("Connection refused") }
        let nohost = WebSocketRPCClient(url: "ws://no-such-host.invalid:8546", logger: Self.quiet, handshakeTimeout: .seconds(5))
        await #expect { try await nohost.run() } throws: { "\($0)".contains("cannot resolve the host no-such-host.invalid") }
        // waitUntilConnected learns the reason too, not only "connection closed".
        let again = WebSocketRPCClient(url: "ws://127.0.0.1:\(port)", logger: Self.quiet, handshakeTimeout: .seconds(5))
        async let running: Void = again.run()
        await #expect { try await again.waitUntilConnected() } throws: { "\($0)".contains("Connection refused") }
        _ = try? await running
    }
}
