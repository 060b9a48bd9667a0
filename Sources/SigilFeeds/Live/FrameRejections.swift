import Foundation
public import Logging
public import SigilChain
import SigilCore

/// Counts rejected frames by reason and logs each reason at most once per `logInterval`
/// (with how many were skipped since), so a flood of bad frames cannot flood the log.
public struct FrameRejections: Sendable {
    let logger: Logger
    let logInterval: Duration
    var lastLogged: [FrameError.Reason: ContinuousClock.Instant] = [:]
    var unlogged: [FrameError.Reason: Int] = [:]

    public init(logger: Logger, logInterval: Duration = .seconds(60)) {
        self.logger = logger
        self.logInterval = logInterval
    }

    /// Records one rejection; the caller counts it in the feed's health.
    public mutating func reject(_ error: FrameError, feed: String, frameBytes: Int) {
        let now = ContinuousClock.now
        if let last = lastLogged[error.reason], now - last < logInterval {
            unlogged[error.reason, default: 0] += 1
            return
        }
        lastLogged[error.reason] = now
        let skipped = unlogged.removeValue(forKey: error.reason) ?? 0
        logger.warning("frame rejected, skipped", metadata: [
            "feed": "\(feed)", "reason": "\(error.reason.rawValue)", "detail": "\(TerminalText.escaped(error.detail.prefix(200)))",
            "bytes": "\(frameBytes)", "same_reason_since_last_log": "\(skipped)",
        ])
    }
}
