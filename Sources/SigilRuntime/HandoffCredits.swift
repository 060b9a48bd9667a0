import Synchronization

/// Bounds what the feeds may hand the runner ahead of it: a feed takes a credit per item and
/// waits when there is none; the runner returns the credit once the item is committed. A feed
/// that waits stops reading (its socket's buffer fills: the Ethereum feed's client then ends
/// the connection and the feed backfills on reconnect; the Hyperliquid feed's reads push back
/// on the socket), so a slow runner slows the feeds instead of growing memory or dropping items.
final class HandoffCredits: Sendable {
    struct State {
        var available: Int
        var waiters: [(id: UInt64, continuation: CheckedContinuation<Void, Never>)] = []
        var nextID: UInt64 = 0
    }

    let state: Mutex<State>
    let capacity: Int

    init(capacity: Int) {
        self.capacity = max(capacity, 1)
        state = Mutex(State(available: max(capacity, 1)))
    }

    /// Takes a credit; returns true when it had to wait for one, and calls `onWait` as the wait
    /// begins (so a feed held up by a stuck runner shows it while it waits, not only after).
    /// Returns at once when the task is cancelled (the run is ending).
    func acquire(onWait: () -> Void = {}) async -> Bool {
        let immediate = state.withLock { s -> Bool in
            guard s.available > 0 else { return false }
            s.available -= 1
            return true
        }
        if immediate { return false }
        onWait()
        let id = state.withLock { s -> UInt64 in
            s.nextID += 1
            return s.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { s -> Bool in
                    if Task.isCancelled { return true }
                    if s.available > 0 {
                        s.available -= 1
                        return true
                    }
                    s.waiters.append((id, c))
                    return false
                }
                if resumeNow { c.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
                guard let i = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return s.waiters.remove(at: i).continuation
            }
            waiter?.resume()
        }
        return true
    }

    /// Items handed over and not yet returned (the one being handled included).
    var handedOver: Int { state.withLock { capacity - $0.available } }

    /// Returns a credit: the longest-waiting feed goes on, or the credit is kept.
    func release() {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if s.waiters.isEmpty {
                s.available = min(s.available + 1, capacity)
                return nil
            }
            return s.waiters.removeFirst().continuation
        }
        waiter?.resume()
    }
}
