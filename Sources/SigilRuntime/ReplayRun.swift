import Foundation
public import SigilChain
public import SigilCore
public import SigilPluginAPI
import SigilFeeds
public import SigilModels

/// Runs a configuration's replay feeds to their end: each recording is a source
/// (`ReplayFeed.Source`) whose items go through the same `LiveRunner` as a live feed's, so a
/// replay journals, closes blocks, rewinds on a reorg and commits exactly as a live run does.
public struct ReplayRun {
    public struct Summary: Sendable {
        public var frames = 0
        public var heads = 0
        /// Events processed (after deduplication: a log delivered twice counts once).
        public var events = 0
        /// Events retracted by reorgs.
        public var retractions = 0
        /// Outputs retracted because a reorg removed the event that caused them.
        public var retractedOutputs = 0
        /// Gaps a feed could not fill.
        public var gaps = 0
        public var rejected: [FrameError.Reason: Int] = [:]
        public var outputs = 0
        public var newOutputs = 0
        public var alertsBySeverity: [String: Int] = [:]
        public var signals: [String: Int] = [:]
        public var vetoed = 0
        public var fills = 0
        /// Plugins' simulation requests answered (whatever the answer).
        public var simulations = 0
        /// Plugins' simulation requests not run (no `simulation:`, or too many waiting), since
        /// the engine was last built.
        public var simulationsDropped = 0
        public var lastBlock: UInt64 = 0
        public var seconds: Double = 0
        /// True when `shouldStop` ended the run before the recordings did.
        public var stoppedEarly = false
        /// Live events, from their frame's arrival to the commit of what they caused.
        public var frameToCommit = LatencyHistogram()
        /// The store's write transactions (one per item live, one per batch in a replay).
        public var commits = LatencyHistogram()
        /// Events processed, by feed.
        public var eventsByFeed: [String: Int] = [:]
        /// Frames or events rejected, by feed and reason (a live feed's own rejections are in
        /// its health; these are the recording's and the runner's).
        public var rejectedByFeed: [String: [FrameError.Reason: Int]] = [:]
        /// Outputs by kind (`signal`, `vetoed`, `alert`, `fill`), strategy, plugin and detail
        /// (a signal's side, an alert's severity).
        public var outputsBy: [OutputCount: Int] = [:]

        /// What `outputsBy` counts by.
        public struct OutputCount: Hashable, Sendable {
            public var kind: String
            public var strategy: String
            public var plugin: String
            public var detail: String

            public init(kind: String, strategy: String, plugin: String, detail: String) {
                (self.kind, self.strategy, self.plugin, self.detail) = (kind, strategy, plugin, detail)
            }
        }

        public init() {}

        /// Counts outputs produced (`fresh` of them newly stored).
        mutating func tally(_ records: [OutputRecord], fresh: Int) {
            outputs += records.count
            newOutputs += fresh
            for r in records {
                let kind: String, detail: String
                switch r.body {
                case .alert(let a):
                    alertsBySeverity[a.severity.rawValue, default: 0] += 1
                    (kind, detail) = ("alert", a.severity.rawValue)
                case .signal(let sig, let wasVetoed):
                    if wasVetoed { vetoed += 1 } else { signals[sig.side.rawValue, default: 0] += 1 }
                    (kind, detail) = (wasVetoed ? "vetoed" : "signal", sig.side.rawValue)
                case .fill(_, let side):
                    fills += 1
                    (kind, detail) = ("fill", side.rawValue)
                }
                outputsBy[OutputCount(kind: kind, strategy: r.strategy, plugin: r.plugin, detail: detail), default: 0] += 1
            }
        }
    }

    /// Sleeps until `deadline`, waking every 100 ms to see whether the run should stop.
    static func wait(until deadline: ContinuousClock.Instant, shouldStop: () -> Bool) {
        while !shouldStop() {
            let left = deadline - ContinuousClock.now
            guard left > .zero else { return }
            Thread.sleep(forTimeInterval: min(left, .milliseconds(100)).secondsValue)
        }
    }

    /// Recordings with their chain ids (each from the manifest.json beside it).
    public static func recordings(_ paths: [String]) throws -> [(path: String, chainId: UInt64)] {
        try paths.map { ($0, try ReplayFeed.Settings(name: $0, path: $0).resolvedChainId()) }
    }

    /// Plays every replay feed through a `LiveRunner` on `store`; `status` is called about once
    /// a second and at the end. A replay starts afresh: the feed's journal and checkpoint from
    /// an earlier run are set aside first (its stored outputs stay, and each is stored once).
    /// `shouldStop` is polled between frames; when it says so, what was processed is committed
    /// and the run ends early. `observer` sees every pool's state after each event that changed it.
    /// `reloader`: a SIGHUP's reload is taken between two items, as in a live run.
    /// `pace`: at most that many blocks closed a second, each item committed as a live feed's
    /// is (to watch a recording play on the dashboard); nil: as fast as it goes.
    public static func run(config: SigilConfig, models: [String: NeuralModel], store: OutputStore,
                           commitEvery: Int = 4_096, pace: Double? = nil, shouldStop: () -> Bool = { false },
                           observer: ((PoolSnapshot) -> Void)? = nil,
                           metrics: RunMetrics? = nil, reloader: ConfigReloader? = nil,
                           status: (Summary) -> Void = { _ in }) throws -> (summary: Summary, runner: LiveRunner) {
        let feeds = config.feeds.compactMap(\.replay)
        for f in feeds { try store.forget(feed: f.name) }
        // A recording is read again after a crash, so its items are committed thousands at a
        // time (each batch one transaction, all or nothing), not one by one as a live feed's.
        let runner = try LiveRunner(config: config, models: models, store: store, commitEvery: pace == nil ? commitEvery : 1, metrics: metrics)
        _ = try runner.restore()
        runner.engine.poolObserver = observer  // after the restore, which builds the engine afresh
        let start = ContinuousClock.now
        var lastStatus = start
        var frames = 0, rejected: [FrameError.Reason: Int] = [:], stopped = false, blocks = 0
        func current() -> Summary {
            var s = runner.summary
            s.frames = frames
            s.rejected.merge(rejected, uniquingKeysWith: +)
            s.stoppedEarly = stopped
            s.seconds = (ContinuousClock.now - start).secondsValue
            let p = runner.engine.portfolio?.figures
            metrics?.update(summary: s, feeds: [], portfolio: p)
            return s
        }
        do {
            for feed in feeds {
                let base = frames
                let pass = try ReplayFeed.Source(settings: feed).play(shouldStop: shouldStop) { item, read in
                    try runner.handle(item)
                    try reloader?.applyIfRequested(runner)
                    frames = base + read
                    if let pace, case .blockClosed = item {
                        blocks += 1
                        Self.wait(until: start + .seconds(Double(blocks) / pace), shouldStop: shouldStop)
                    }
                    let now = ContinuousClock.now
                    if now - lastStatus >= .seconds(1) {
                        lastStatus = now
                        status(current())
                    }
                }
                frames = base + pass.frames
                rejected.merge(pass.rejected, uniquingKeysWith: +)
                runner.summary.rejectedByFeed[feed.name, default: [:]].merge(pass.rejected, uniquingKeysWith: +)
                if pass.stoppedEarly {
                    stopped = true
                    break
                }
            }
        } catch {
            // What was processed is committed; the portfolio is saved with it when the store can.
            if !(error is StoreError) { try? runner.flush() }
            if let p = runner.engine.portfolio, !(error is StoreError) { try? store.savePortfolio(p, block: runner.summary.lastBlock) }
            throw error
        }
        try runner.flush()
        if let p = runner.engine.portfolio { try store.savePortfolio(p, block: runner.summary.lastBlock) }
        let s = current()
        status(s)
        return (s, runner)
    }
}
