public import Logging

/// Runs one connection after another until cancelled (for feed implementations): `session` connects and serves until the
/// connection fails; then, after a `backoff` delay, the next attempt. Every failure is recorded
/// in `health` (state `stalled`, the error, a reconnect count) and logged. An error for which
/// `isFatal` is true (a configuration the source contradicts) ends the loop instead.
public func reconnecting(backoff initial: Backoff, health: FeedHealth, logger: Logger, isFatal: (any Error) -> Bool = { _ in false },
                  _ session: () async throws -> Void) async throws {
    var backoff = initial
    var rng = SystemRandomNumberGenerator()
    var attempts = 0
    while !Task.isCancelled {
        if attempts > 0 { health.update { $0.reconnects += 1 } }
        attempts += 1
        let started = ContinuousClock.now
        do {
            try await session()
        } catch {
            if isFatal(error) {
                health.update { $0.lastError = "\(error)" }
                throw error
            }
            if Task.isCancelled { return }
            health.update {
                $0.state = .stalled
                $0.lastError = "\(error)"
            }
            logger.warning("connection lost; reconnecting", metadata: ["error": "\(error)"])
        }
        do { try await Task.sleep(for: backoff.next(after: ContinuousClock.now - started, random: &rng)) } catch { return }
    }
}
