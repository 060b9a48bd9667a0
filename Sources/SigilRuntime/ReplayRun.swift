import Foundation
public import SigilChain
import SigilCore
import SigilFeeds

/// Runs a configuration's replay feeds to their end through the engine and the output store.
public struct ReplayRun {
    public struct Summary: Sendable {
        public var frames = 0
        public var heads = 0
        public var events = 0
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
        public var lastBlock: UInt64 = 0
        public var seconds: Double = 0
        /// True when `shouldStop` ended the run before the recordings did.
        public var stoppedEarly = false

        /// Counts outputs produced (`fresh` of them newly stored).
        mutating func tally(_ records: [OutputRecord], fresh: Int) {
            outputs += records.count
            newOutputs += fresh
            for r in records {
                switch r.body {
                case .alert(let a): alertsBySeverity[a.severity.rawValue, default: 0] += 1
                case .signal(let sig, let wasVetoed):
                    if wasVetoed { vetoed += 1 } else { signals[sig.side.rawValue, default: 0] += 1 }
                case .fill: fills += 1
                }
            }
        }
    }

    /// Recordings with their chain ids (each from the manifest.json beside it).
    public static func recordings(_ paths: [String]) throws -> [(path: String, chainId: UInt64)] {
        try paths.map { ($0, try ReplayFeed.Settings(name: $0, path: $0).resolvedChainId()) }
    }

    /// Processes every frame; `status` is called about once a second and at the end.
    /// `shouldStop` is polled between frames; when it says so, what was processed is committed
    /// and the run ends early.
    public static func run(config: SigilConfig, engine: Engine, store: OutputStore,
                           shouldStop: () -> Bool = { false },
                           status: (Summary) -> Void = { _ in }) throws -> Summary {
        var s = Summary()
        let start = ContinuousClock.now
        var lastStatus = start
        for feed in config.feeds.compactMap(\.replay) {
            let chainId = try feed.resolvedChainId()
            let decoder = FrameDecoder(chainId: chainId)
            let recording = try Recording(path: feed.path)
            var pending: [OutputRecord] = []
            var storeError: (any Error)?
            // The feed's last closed block: a head N closes N − 1. A log below it breaks the
            // chain's order and is rejected (a head lower than the last is the chain moving to
            // another branch: the closed block moves back with it).
            var closed: UInt64?
            let pass: Recording.Pass
            do {
                pass = try recording.forEachFrame { frame in
                    guard storeError == nil, !s.stoppedEarly else { return }
                    if s.frames % 256 == 0, shouldStop() {
                        s.stoppedEarly = true
                        return
                    }
                    s.frames += 1
                    switch Result(catching: { () throws(FrameError) in try decoder.decode(frame) }) {
                    case .failure(let e):
                        s.rejected[e.reason, default: 0] += 1
                    case .success(.head(let h, _)):
                        s.heads += 1
                        s.lastBlock = max(s.lastBlock, h.number)
                        closed = h.number > 0 ? h.number - 1 : nil
                        if let closed { pending += engine.closeBlock(chainId: chainId, through: closed) }
                        // Identities of logs far below the head are forgotten, as live: a replay's
                        // memory does not grow with the recording.
                        if h.number % 256 == 0, h.number > 2_048 { engine.forgetSeen(chainId: chainId, below: h.number - 2_048) }
                        // A block boundary: commit what the previous block produced.
                        do { try flush(&pending, store, &s) } catch { storeError = error }
                    case .success(.otherLog):
                        break
                    case .success(.event(let e, _)):
                        if let closed, e.id.blockNumber <= closed, !e.removed {
                            s.rejected[.staleBlock, default: 0] += 1
                        } else {
                            // Counted after deduplication: a repeated log is not an event.
                            let before = engine.eventsProcessed
                            if e.removed { s.retractions += 1 }
                            pending += engine.process(e)
                            s.events += engine.eventsProcessed - before
                        }
                    }
                    let now = ContinuousClock.now
                    if now - lastStatus >= .seconds(1) {
                        lastStatus = now
                        s.seconds = (now - start).secondsValue
                        status(s)
                    }
                }
            } catch {
                // What was read before the fault is kept: committed, then the run fails.
                if storeError == nil { try flush(&pending, store, &s) }
                if let p = engine.portfolio, storeError == nil { try store.savePortfolio(p, block: s.lastBlock) }
                throw storeError ?? error
            }
            if pass.oversize > 0 {
                s.frames += pass.oversize
                s.rejected[.oversize, default: 0] += pass.oversize
            }
            if let storeError { throw storeError }
            try flush(&pending, store, &s)
            if s.stoppedEarly { break }
        }
        if let p = engine.portfolio { try store.savePortfolio(p, block: s.lastBlock) }
        s.seconds = (ContinuousClock.now - start).secondsValue
        status(s)
        return s
    }

    static func flush(_ pending: inout [OutputRecord], _ store: OutputStore, _ s: inout Summary) throws {
        guard !pending.isEmpty else { return }
        let fresh = try store.store(pending)
        s.tally(pending, fresh: fresh.count)
        pending.removeAll(keepingCapacity: true)
    }
}
