public import SigilChain
public import SigilCore

/// A decoded chain event with the log it came from (the journal keeps the log, so the event can
/// be decoded again after a restart).
public struct FeedEvent: Sendable, Hashable {
    public var event: MarketEvent
    public var log: EthLog
    /// When its frame arrived (live feeds): the start of its frame → commit latency. Not part
    /// of the event: equality and hashing ignore it.
    public var received: ContinuousClock.Instant?

    public init(event: MarketEvent, log: EthLog, received: ContinuousClock.Instant? = nil) {
        self.event = event
        self.log = log
        self.received = received
    }

    public static func == (a: FeedEvent, b: FeedEvent) -> Bool { a.event == b.event && a.log == b.log }

    public func hash(into h: inout Hasher) {
        h.combine(event)
        h.combine(log)
    }
}

/// A gap a feed could not fill: the source sends no history of what was missed (Hyperliquid
/// trades while disconnected). Recorded, never hidden.
public struct FeedGap: Sendable, Hashable {
    /// What the gap is in (a coin, a channel).
    public var stream: String
    /// The last item seen before the gap, and the first after it (source time, milliseconds).
    public var lastBeforeMs: UInt64
    public var firstAfterMs: UInt64
    public var reason: String

    public init(stream: String, lastBeforeMs: UInt64, firstAfterMs: UInt64, reason: String) {
        self.stream = stream
        self.lastBeforeMs = lastBeforeMs
        self.firstAfterMs = firstAfterMs
        self.reason = reason
    }
}

/// What a live feed hands the runtime, in order.
public enum FeedItem: Sendable {
    /// Events in chain order, to process (and journal) now.
    case events(feed: String, [FeedEvent])
    /// Every event of blocks up to `number` has been delivered: the checkpoint may advance.
    case blockClosed(feed: String, chainId: UInt64, number: UInt64, hash: Hash32)
    /// A reorg: blocks above `number` are no longer canonical. Every event the feed delivered
    /// from them is retracted; the replacement blocks follow as ordinary events.
    case rewind(feed: String, chainId: UInt64, toBlock: UInt64)
    /// Something the source cannot resend was missed.
    case gap(feed: String, FeedGap)
    /// Off-chain events (Hyperliquid trades), already deduplicated by the feed.
    case marketEvents(feed: String, [MarketEvent])
}

/// Where a chain feed resumes: the last closed block and the hashes of recent blocks it
/// delivered (to find the common ancestor after a reorg that happened while it was away).
public struct ChainResumePoint: Sendable, Hashable {
    public var checkpoint: UInt64
    public var knownHashes: [UInt64: Hash32]

    public init(checkpoint: UInt64, knownHashes: [UInt64: Hash32]) {
        self.checkpoint = checkpoint
        self.knownHashes = knownHashes
    }
}
