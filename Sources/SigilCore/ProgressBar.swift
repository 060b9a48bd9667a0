public import Foundation
import Synchronization

/// A progress bar on one terminal line, redrawn in place at most ten times a second. Silent
/// when its stream is not a terminal (a pipe, a file, a CI log) or `TERM` is `dumb`, so logs
/// never fill with carriage returns.
public final class ProgressBar: Sendable {
    let total: Int
    let handle: FileHandle
    public let enabled: Bool
    let lastDraw = Mutex<ContinuousClock.Instant?>(nil)

    /// `total` steps (0: unknown, the count is shown instead of a share); drawn on `handle`.
    public init(total: Int, handle: FileHandle = .standardError) {
        self.total = max(0, total)
        self.handle = handle
        enabled = isatty(handle.fileDescriptor) == 1 && ProcessInfo.processInfo.environment["TERM"] != "dumb"
    }

    /// Draws `done` of `total` with `detail` after it (skipped when drawn less than 100 ms ago,
    /// unless it is the last step).
    public func show(done: Int, detail: String) { show(done: done, total: total, detail: detail) }

    /// Draws `done` of a `total` that changes as the work goes (a backfill chasing the head).
    public func show(done: Int, total: Int, detail: String) {
        guard enabled else { return }
        let now = ContinuousClock.now
        let due = lastDraw.withLock { last -> Bool in
            guard done >= total || last.map({ now - $0 >= .milliseconds(100) }) ?? true else { return false }
            last = now
            return true
        }
        guard due else { return }
        handle.write(Data(Self.line(done: done, total: max(0, total), detail: detail).utf8))
    }

    /// The drawn text: `\r[#####.....] 50% detail`, the rest of the line cleared.
    public static func line(done: Int, total: Int, detail: String, width: Int = 30) -> String {
        let share = total > 0 ? min(1, max(0, Double(done) / Double(total))) : 0
        let filled = Int(share * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        return "\r[\(bar)] \(total > 0 ? "\(Int(share * 100))%" : "\(done)") \(detail)\u{1B}[K"
    }

    /// Shows a line of text in place of the bar.
    public func note(_ text: String) {
        guard enabled else { return }
        handle.write(Data("\r\(text)\u{1B}[K".utf8))
    }

    /// Clears the bar's line.
    public func finish() {
        guard enabled else { return }
        handle.write(Data("\r\u{1B}[K".utf8))
    }
}
