import Synchronization
import UnixSignals

/// Notes when the first SIGINT or SIGTERM reached the process, so a run can say how long its
/// graceful shutdown took in its own clock (a test asserts that figure, not its own stopwatch).
final class ShutdownSignalClock: Sendable {
    private let first = Mutex<(UnixSignal, ContinuousClock.Instant)?>(nil)

    /// Waits for the signals until cancelled; only the first one is kept.
    func watch() async {
        for await signal in await UnixSignalsSequence(trapping: .sigterm, .sigint) {
            let now = ContinuousClock.now
            first.withLock { if $0 == nil { $0 = (signal, now) } }
        }
    }

    /// "stopped 12 ms after SIGINT", when a signal came.
    func stoppedLine() -> String? {
        guard let (signal, at) = first.withLock({ $0 }) else { return nil }
        let elapsed = ContinuousClock.now - at
        let ms = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
        return "stopped \(ms) ms after \(signal)"
    }
}
