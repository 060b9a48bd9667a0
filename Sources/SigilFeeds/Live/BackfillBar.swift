public import Foundation
import SigilCore
import Synchronization

/// A progress bar for live feeds catching up: while any feed is `backfilling`, its closed block
/// against the node's head, counted from where its backfill began (the head moves on as it
/// goes). Drawn on a terminal only (`ProgressBar`); cleared once every feed is live, and before
/// each line the run prints (`clear()`).
public final class BackfillBar: Sendable {
    let bar: ProgressBar
    /// Where each feed's current backfill began, and whether the bar is on the screen.
    let state = Mutex<(starts: [String: UInt64], shown: Bool)>(([:], false))

    public init(handle: FileHandle = .standardError) { bar = ProgressBar(total: 0, handle: handle) }

    public var enabled: Bool { bar.enabled }

    /// Draws the feeds' health: one bar for all backfilling feeds together.
    public func show(_ feeds: [FeedHealth.Snapshot]) {
        guard bar.enabled else { return }
        let filling = feeds.filter { $0.state == .backfilling }
        let draw = state.withLock { s -> (done: Int, total: Int)? in
            for f in feeds where f.state != .backfilling { s.starts[f.feed] = nil }
            guard !filling.isEmpty else { return nil }
            var done = 0, total = 0
            for f in filling {
                let start = s.starts[f.feed] ?? f.delivered
                s.starts[f.feed] = start
                done += Int(clamping: f.delivered >= start ? f.delivered - start : 0)
                total += Int(clamping: f.head >= start ? f.head - start : 0)
            }
            s.shown = true
            return (done, total)
        }
        guard let draw else {
            clear()
            return
        }
        let detail = "backfill " + filling.map { "\($0.feed): block \($0.delivered) of \($0.head)" }.joined(separator: ", ")
        bar.show(done: draw.done, total: max(draw.total, 1), detail: TerminalText.escaped(detail))
    }

    /// Takes the bar off the screen (before a status line, or when the backfill is over).
    public func clear() {
        let shown = state.withLock { s -> Bool in
            defer { s.shown = false }
            return s.shown
        }
        if shown { bar.finish() }
    }
}
