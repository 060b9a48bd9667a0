import Foundation
import SigilChain
public import SigilCore
public import SigilFeeds
public import SigilModels
import SigilPluginAPI

/// The event loop's state: the engine, the store, and what the feeds (live or replay) said,
/// handled one item at a time from one task.
///
/// Processed events go into the journal in the same transaction as the outputs they caused; a
/// closed block moves the feed's checkpoint. A live item is committed before the next is handled
/// unless more are already waiting (then a burst commits together); a replay commits thousands.
/// The engine's state is a function of the journal: every `snapshotEvery` closed blocks it is
/// snapshotted (plugins' `state` included), and a restart (`restore`) or a reorg (`.rewind`)
/// restores the newest snapshot that includes no retracted event and replays only the journal
/// after it through the strategies, their outputs already stored. The journal is pruned below
/// the oldest kept snapshot, `pruneDepth` blocks down, so restart and rewind cost and the
/// store's size stay flat however long the bot runs.
public final class LiveRunner {
    /// The configuration it runs (the file's reloadable parameters taken on each reload).
    public private(set) var config: SigilConfig
    /// Reloads so far (each one's record gets its own identity).
    var reloads = 0
    /// The models in use by id (a newer verified version replaces its entry, so a rebuild uses it).
    public private(set) var models: [String: NeuralModel]
    public let store: OutputStore
    public private(set) var engine: Engine
    public internal(set) var summary = ReplayRun.Summary()
    /// Each feed's last closed block.
    public private(set) var closed: [String: UInt64] = [:]
    /// Events replayed from the journal by the last rebuild.
    public private(set) var rebuiltEvents = 0

    /// Closed blocks between two engine snapshots (0: none).
    public let snapshotEvery: Int
    /// Snapshots kept; the journal is pruned below the oldest of them, `pruneDepth` blocks
    /// under the newest closed block.
    public let snapshotsKept: Int
    public let pruneDepth: UInt64
    var closedSinceSnapshot = 0
    /// Events handled before their effects are committed in one transaction (1: every item is
    /// committed before the next is handled, as a live feed wants; a replay groups thousands).
    public let commitEvery: Int
    /// What was handled and is not committed yet.
    var pending = OutputStore.Batch()
    /// When the frames of the pending live events arrived.
    var pendingArrivals: [ContinuousClock.Instant] = []
    /// The snapshot the last rebuild started from (its block and journal position), if any.
    public private(set) var restoredSnapshot: (block: UInt64, seq: Int64)?

    /// Where latencies and totals are reported, and what the dashboard shows (nil: nowhere).
    public let metrics: RunMetrics?
    /// The closing price of each pool a swap moved in the open block (kept with metrics only).
    var blockPrices: [Address: Double] = [:]

    public init(config: SigilConfig, models: [String: NeuralModel], store: OutputStore,
                snapshotEvery: Int = 256, snapshotsKept: Int = 4, pruneDepth: UInt64 = 4_096, commitEvery: Int = 1,
                metrics: RunMetrics? = nil) throws {
        self.metrics = metrics
        self.config = config
        self.models = models
        self.store = store
        self.snapshotEvery = snapshotEvery
        self.snapshotsKept = snapshotsKept
        self.pruneDepth = pruneDepth
        self.commitEvery = max(1, commitEvery)
        engine = try Engine(config: config, models: Self.engineModels(models, metrics))
    }

    /// The models as the engine's strategies get them: timed when metrics are kept.
    static func engineModels(_ models: [String: NeuralModel], _ metrics: RunMetrics?) -> [String: any PredictiveModel] {
        metrics.map { $0.timed(models) } ?? models.mapValues { $0 }
    }

    /// Rebuilds the engine from the journal and returns where each feed resumes.
    public func restore() throws -> [String: ChainResumePoint] {
        try rebuild()
        let points = try store.resumePoints()
        for (feed, p) in points { closed[feed] = p.checkpoint }
        return points
    }

    /// Journal entries set aside by the last rebuild (unreadable or undecodable), with why.
    public private(set) var quarantinedByRebuild: [String] = []

    /// Rebuilds the engine: from the newest snapshot and the journal after it, or (no snapshot,
    /// or one that does not fit the configuration) from the whole journal.
    func rebuild() throws {
        var fresh = try Engine(config: config, models: Self.engineModels(models, metrics))
        var after: Int64 = 0
        restoredSnapshot = nil
        if let snap = try store.latestSnapshot() {
            do {
                try fresh.restore(snap.data)
                after = snap.seq
                restoredSnapshot = (snap.block, snap.seq)
            } catch {
                // A snapshot of other strategies or another format: the journal is the truth.
                try store.dropSnapshots()
                fresh = try Engine(config: config, models: Self.engineModels(models, metrics))
            }
        }
        var n = 0
        let (entries, unreadable) = try store.journal(after: after)
        for u in unreadable {
            try quarantine(seq: u.seq, feed: u.feed, chainId: u.chainId, blockNumber: u.blockNumber, logIndex: u.logIndex, cause: nil,
                           reason: "the journal row cannot be read back: \(u.reason)")
        }
        for entry in entries {
            // Journaled logs were validated and decoded before their commit; one that no longer
            // decodes (a corrupt or foreign store) is set aside, never a reason not to start.
            let event: MarketEvent?
            do throws(ChainError) {
                event = try UniswapEvents.decode(entry.log, chainId: entry.chainId)
            } catch {
                event = nil
            }
            guard let event else {
                try quarantine(seq: entry.seq, feed: entry.feed, chainId: entry.chainId, blockNumber: entry.log.blockNumber,
                               logIndex: entry.log.logIndex, cause: entry.log.eventID(chainId: entry.chainId),
                               reason: "the journaled log is not a Uniswap event Sigil can decode")
                continue
            }
            _ = fresh.process(event)
            n += 1
        }
        // Blocks the feeds had closed are closed again (their block outputs are stored already);
        // a block above its feed's checkpoint stays open, to be completed by the feed.
        for c in try store.checkpoints() { _ = fresh.closeBlock(chainId: c.chainId, through: c.block) }
        engine = fresh
        rebuiltEvents = n
    }

    /// Sets a journal entry aside: recorded in the store, reported to the operator, and stored
    /// as a high-severity alert.
    func quarantine(seq: Int64, feed: String?, chainId: UInt64?, blockNumber: UInt64?, logIndex: UInt32?, cause: EventID?,
                    reason: String) throws {
        let where_ = "journal entry \(seq) (feed \(feed ?? "?"), block \(blockNumber.map { "\($0)" } ?? "?"), log \(logIndex.map { "\($0)" } ?? "?"))"
        let id = cause ?? EventID(chainId: chainId ?? 0, blockHash: .zero, logIndex: logIndex ?? 0, blockNumber: blockNumber ?? 0,
                                  transactionHash: .zero, transactionIndex: 0)
        let alert = Alert(alertId: "SIGIL-JOURNAL-QUARANTINE", name: "Journal entry quarantined",
                          description: "\(where_) was set aside and is no longer replayed: \(reason)",
                          severity: .high, kind: .info, pool: .zero, addresses: [], labels: [],
                          metadata: ["seq": "\(seq)", "feed": feed ?? "", "reason": reason], cause: id)
        let record = OutputRecord(strategy: "journal", plugin: "runtime", body: .alert(alert))
        let stored = try store.quarantine(seq: seq, feed: feed, blockNumber: blockNumber, logIndex: logIndex, reason: reason, alert: record)
        tally([record], fresh: stored.count)
        quarantinedByRebuild.append("\(where_): \(reason)")
    }

    /// Counts outputs that were committed (`fresh` of them newly stored) and shows them on the
    /// dashboard.
    func tally(_ records: [OutputRecord], fresh: Int) {
        summary.tally(records, fresh: fresh)
        metrics?.dashboard.committed(records)
    }

    /// Commits what was handled and not yet committed (nothing when nothing waits).
    public func flush() throws {
        guard !pending.isEmpty else { return }
        let batch = pending, arrivals = pendingArrivals
        pending = OutputStore.Batch()
        pendingArrivals.removeAll(keepingCapacity: true)
        let began = ContinuousClock.now
        let stored = try store.commit(batch)
        let committed = ContinuousClock.now
        summary.commits.record(committed - began)
        for a in arrivals { summary.frameToCommit.record(committed - a) }
        if let metrics {
            metrics.committed(committed - began)
            for a in arrivals { metrics.frameToCommit(committed - a) }
        }
        tally(batch.outputs, fresh: stored.count)
    }

    /// Items' events (or closed blocks) a live run commits together at most when more items
    /// are already waiting (a block's logs arrive in a burst).
    public static let waitingBatchLimit = 512

    /// Handles one item from a feed; its effects are committed with it, or (`commitEvery` > 1)
    /// with the batch it joins once that holds `commitEvery` events, or at `flush()`.
    /// `moreWaiting`: further items are already handed over, so this one's effects are
    /// committed with theirs (group commit of a burst), up to `waitingBatchLimit`; the last
    /// item of the burst commits them all.
    public func handle(_ item: FeedItem, moreWaiting: Bool = false) throws {
        defer { summary.simulationsDropped = engine.simulationsDropped }
        try apply(item)
        let limit = moreWaiting ? max(commitEvery, Self.waitingBatchLimit) : commitEvery
        if pending.eventCount >= limit || pending.closedCount >= limit { try flush() }
        itemsHandled += 1
        Failpoint.handled(itemsHandled)
    }

    /// Feed items this runner has handled (the test failpoints count them).
    private(set) var itemsHandled = 0

    func apply(_ item: FeedItem) throws {
        switch item {
        case .events(let feed, let events):
            var outputs: [OutputRecord] = []
            var fresh: [FeedEvent] = []
            fresh.reserveCapacity(events.count)
            for e in events where !engine.hasSeen(e.event.id) {
                // An event breaking the feed's invariants never reaches the journal: a block
                // beyond what a chain can hold, or one the feed had already closed.
                if let reason = Self.invalid(e, closed: closed[feed]) {
                    summary.rejected[reason, default: 0] += 1
                    summary.rejectedByFeed[feed, default: [:]][reason, default: 0] += 1
                    continue
                }
                outputs += engine.process(e.event)
                if metrics != nil { notePrice(e.event) }
                fresh.append(e)
                if let arrived = e.received { pendingArrivals.append(arrived) }
                summary.lastBlock = max(summary.lastBlock, e.event.id.blockNumber)
            }
            summary.events += fresh.count
            if !fresh.isEmpty { summary.eventsByFeed[feed, default: 0] += fresh.count }
            guard let chainId = fresh.first?.event.id.chainId else { return }
            pending.journal(feed: feed, chainId: chainId, fresh)
            pending.store(outputs)
        case .marketEvents(let feed, let events):
            // Trades are deduplicated by the store itself: what waits is committed first.
            try flush()
            let fresh = try store.storeTrades(feed: feed, events)
            var outputs: [OutputRecord] = []
            for e in fresh where !engine.hasSeen(e.id) { outputs += engine.process(e) }
            summary.events += fresh.count
            if !fresh.isEmpty { summary.eventsByFeed[feed, default: 0] += fresh.count }
            let stored = try store.store(outputs)
            tally(outputs, fresh: stored.count)
        case .blockClosed(let feed, let chainId, let number, let hash):
            summary.heads += 1
            summary.lastBlock = max(summary.lastBlock, number)
            closed[feed] = number
            // Plugins judging whole blocks see this one now; what they say is committed in the
            // same transaction that moves the checkpoint.
            pending.store(engine.closeBlock(chainId: chainId, through: number))
            pending.close(feed: feed, chainId: chainId, block: number, hash: hash, portfolio: engine.portfolio)
            if let metrics {
                metrics.dashboard.blockClosed(number, prices: blockPrices, equity: engine.portfolio?.equity)
                blockPrices.removeAll(keepingCapacity: true)
            }
            closedSinceSnapshot += 1
            if snapshotEvery > 0, closedSinceSnapshot >= snapshotEvery {
                closedSinceSnapshot = 0
                // A snapshot covers the journal up to its newest entry: everything handled is committed first.
                try flush()
                try store.saveSnapshot(seq: try store.journalSeq(), feed: feed, block: number, data: try engine.snapshot(chainId: chainId, closed: number),
                                      keep: snapshotsKept)
                if number > pruneDepth { try store.pruneJournal(feed: feed, below: number - pruneDepth) }
            }
            if number % 256 == 0, number > 2_048 { engine.forgetSeen(chainId: chainId, below: number - 2_048) }

        case .rewind(let feed, let chainId, let toBlock):
            try flush()
            let (events, outputs) = try store.rewind(feed: feed, chainId: chainId, toBlock: toBlock)
            summary.retractions += events
            summary.retractedOutputs += outputs
            if let c = closed[feed], c > toBlock { closed[feed] = toBlock }
            if events > 0 { try rebuild() }
        case .gap(let feed, let gap):
            summary.gaps += 1
            try flush()
            try store.recordGap(feed: feed, gap)
        }
    }

    /// The price a swap left its pool at, for the dashboard (the last one of a block is shown).
    func notePrice(_ event: MarketEvent) {
        switch event.payload {
        case .v2Swap, .v3Swap: if let p = engine.book[event.emitter]?.price { blockPrices[event.emitter] = p }
        default: break
        }
    }

    /// Why an event must not be journaled, or nil when it may.
    static func invalid(_ e: FeedEvent, closed: UInt64?) -> FrameError.Reason? {
        let n = e.event.id.blockNumber
        if n > Bounds.maxBlockNumber { return .outOfRange }
        if let closed, n <= closed { return .staleBlock }
        if e.log.blockNumber != n || e.log.blockHash != e.event.id.blockHash || e.log.logIndex != e.event.id.logIndex { return .wrongType }
        return nil
    }

    /// Applies a registry update between two items: a verified newer version is handed to every
    /// strategy using the model; a refused one leaves the running version and is recorded as an
    /// alert caused by the registry's publish event. Returns a line for the operator.
    public func apply(_ update: ModelFollower.Update) throws -> String {
        try flush()
        switch update {
        case .verified(let id, let model, let entry, _):
            let (taken, refused) = engine.replaceModel(id: id, with: metrics?.timed(model) ?? model)
            if !taken.isEmpty {
                models[id] = model
                metrics?.modelRunning(id, version: entry.version, sha256: entry.weightsHash.description)
            }
            return "model \(id): now version \(entry.version) (sha256 \(entry.weightsHash), contributor \(entry.contributor))"
                + (taken.isEmpty ? "" : " in \(taken.joined(separator: ", "))") + (refused.isEmpty ? "" : "; not taken by \(refused.joined(separator: ", "))")
        case .refused(let id, let entry, let reason, let cause):
            if let cause, case .onChain(_, let registry) = config.registry {
                let alert = Alert(alertId: "SIGIL-MODEL-UPDATE-REFUSED", name: "Model update refused",
                                  description: "version \(entry.version) of \(id) failed verification; version \(models[id]?.reference.version ?? 0) keeps running: \(reason)",
                                  severity: .high, kind: .suspicious, pool: registry, addresses: [entry.publisher, entry.contributor], labels: [],
                                  metadata: ["model": id, "version": "\(entry.version)", "registeredHash": "\(entry.weightsHash)", "uri": entry.uri], cause: cause)
                let record = OutputRecord(strategy: "model-follower", plugin: "registry", body: .alert(alert))
                let stored = try store.store([record])
                tally([record], fresh: stored.count)
            }
            return "model \(id): version \(entry.version) REFUSED, version \(models[id]?.reference.version ?? 0) keeps running: \(reason)"
        }
    }

    /// Takes a configuration file read again (on SIGHUP), or why it could not be read, between
    /// two items: the new values of reloadable parameters are applied together (each plugin they
    /// concern rebuilt with its state), anything else that differs is reported as needing a
    /// restart and left as it runs; nothing is applied when the file is invalid or a plugin
    /// refuses its new values. Every reload is recorded as an `info` alert
    /// (`SIGIL-CONFIG-RELOAD`, or `SIGIL-CONFIG-RELOAD-REFUSED`) with what it applied and what
    /// needs a restart. Returns lines for the operator.
    public func reload(_ file: Result<SigilConfig, any Error>, path: String) throws -> [String] {
        try flush()
        reloads += 1
        var metadata = ["file": path]
        var lines: [String]
        let refusal: String?
        switch file {
        case .failure(let error):
            refusal = "\(error)"
        case .success(let cfg):
            let plan = ConfigReload(running: config, file: cfg)
            do {
                if !plan.changes.isEmpty { try engine.reload(plan.changes, models: Self.engineModels(models, metrics)) }
                config = plan.applied(to: config)
                refusal = nil
            } catch {
                refusal = "\(error)"
            }
            if refusal == nil { metadata["applied"] = plan.changes.map(\.description).joined(separator: "; ") }
            metadata["needs_restart"] = plan.needsRestart.joined(separator: ", ")
        }
        let description: String
        if let refusal {
            metadata["error"] = refusal
            description = "reload of \(path) refused, nothing changed: \(refusal)"
            lines = [description]
        } else {
            let applied = metadata["applied"] ?? ""
            description = "reload of \(path): " + (applied.isEmpty ? "no reloadable parameter changed" : "applied \(applied)")
            lines = [description]
            if let restart = metadata["needs_restart"], !restart.isEmpty {
                lines.append("  differs from the running configuration and needs a restart (left as it runs): \(restart)")
            }
        }
        var seed = Keccak256()
        seed.update(Array("reload|\(path)|\(reloads)|\(Date().timeIntervalSince1970)|\(description)".utf8))
        let id = EventID(chainId: 0, blockHash: Hash32(bytes: seed.finalize()) ?? .zero, logIndex: 0, blockNumber: summary.lastBlock,
                         transactionHash: .zero, transactionIndex: 0)
        let alert = Alert(alertId: refusal == nil ? "SIGIL-CONFIG-RELOAD" : "SIGIL-CONFIG-RELOAD-REFUSED",
                          name: refusal == nil ? "Configuration reloaded" : "Configuration reload refused",
                          description: description + (lines.count > 1 ? "; needs a restart: \(metadata["needs_restart"] ?? "")" : ""),
                          severity: .info, kind: .info, pool: .zero, addresses: [], labels: [], metadata: metadata, cause: id)
        let record = OutputRecord(strategy: "config", plugin: "runtime", body: .alert(alert))
        let stored = try store.store([record])
        tally([record], fresh: stored.count)
        return lines
    }

    /// Takes the simulation requests the strategies made and that wait for an answer.
    public func takePendingSimulations() -> [Engine.PendingSimulation] { engine.takePendingSimulations() }

    /// Hands a simulation's answer to the strategy that asked and stores what it said (between
    /// two items, like a model update).
    public func deliver(_ result: SimulationResult, for pending: Engine.PendingSimulation) throws {
        try flush()
        summary.simulations += 1
        let outputs = engine.deliver(result, for: pending)
        guard !outputs.isEmpty else { return }
        let stored = try store.store(outputs)
        tally(outputs, fresh: stored.count)
    }

    /// True when every named feed has closed `block`.
    public func allClosed(through block: UInt64, feeds: [String]) -> Bool {
        feeds.allSatisfy { (closed[$0] ?? 0) >= block }
    }
}
