public import SigilChain
import Synchronization

/// The live state of one feed, shared between the feed's task and whoever reports it.
public final class FeedHealth: Sendable {
    public enum State: String, Sendable {
        case connecting, backfilling, live, stalled
    }

    public struct Snapshot: Sendable {
        public var feed: String
        public var state: State = .connecting
        /// The newest block (or trade time) the source announced.
        public var head: UInt64 = 0
        /// The newest block every event of which has been delivered.
        public var delivered: UInt64 = 0
        public var reconnects = 0
        public var rejected: [FrameError.Reason: Int] = [:]
        public var gaps = 0
        public var rewinds = 0
        public var events = 0
        public var lastError: String?
        /// Times the feed waited because the runtime's queue was full (it slowed reading).
        public var slowdowns = 0
        /// A chain feed's tokens whose transfers it follows, and those past its limit.
        public var tokensFollowed = 0
        public var tokensOverLimit = 0

        public init(feed: String) { self.feed = feed }

        /// Blocks between the source's head and what has been delivered.
        public var lag: UInt64 { head > delivered ? head - delivered : 0 }
        public var rejectedTotal: Int { rejected.values.reduce(0, +) }
    }

    let state: Mutex<Snapshot>

    public init(feed: String) { state = Mutex(Snapshot(feed: feed)) }

    public var snapshot: Snapshot { state.withLock { $0 } }

    public func update(_ change: (inout Snapshot) -> Void) { state.withLock { change(&$0) } }
}
