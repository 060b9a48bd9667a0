import Foundation
import SigilChain
import SigilCore
public import SigilFeeds
public import SigilModels

/// The live event loop's state: the engine, the store, and what the feeds said, handled one
/// item at a time from one task.
///
/// Every item is committed before the next is handled: processed events go into the journal in
/// the same transaction as the outputs they caused; a closed block moves the feed's checkpoint.
/// The engine's state is a function of the journal, so a restart (`restore`) and a reorg
/// (`.rewind`) both rebuild it by replaying the journal's standing events through fresh
/// strategies, their outputs already stored.
public final class LiveRunner {
    let config: SigilConfig
    /// The models in use by id (a newer verified version replaces its entry, so a rebuild uses it).
    public private(set) var models: [String: NeuralModel]
    public let store: OutputStore
    public private(set) var engine: Engine
    public private(set) var summary = ReplayRun.Summary()
    /// Each feed's last closed block.
    public private(set) var closed: [String: UInt64] = [:]
    /// Events replayed from the journal by the last rebuild.
    public private(set) var rebuiltEvents = 0

    public init(config: SigilConfig, models: [String: NeuralModel], store: OutputStore) throws {
        self.config = config
        self.models = models
        self.store = store
        engine = try Engine(config: config, models: models)
    }

    /// Rebuilds the engine from the journal and returns where each feed resumes.
    public func restore() throws -> [String: ChainResumePoint] {
        try rebuild()
        let points = try store.resumePoints()
        for (feed, p) in points { closed[feed] = p.checkpoint }
        return points
    }

    func rebuild() throws {
        let fresh = try Engine(config: config, models: models)
        var n = 0
        for entry in try store.journal() {
            // Journaled logs decoded once already; one that no longer does is a corrupt store.
            guard let event = try UniswapEvents.decode(entry.log, chainId: entry.chainId) else {
                throw StoreError("journal: the log at \(entry.log.blockNumber)/\(entry.log.logIndex) is not a Uniswap event")
            }
            _ = fresh.process(event)
            n += 1
        }
        engine = fresh
        rebuiltEvents = n
    }

    /// Handles one item from a feed and commits its effects.
    public func handle(_ item: FeedItem) throws {
        switch item {
        case .events(let feed, let events):
            var outputs: [OutputRecord] = []
            var fresh: [FeedEvent] = []
            fresh.reserveCapacity(events.count)
            for e in events where !engine.hasSeen(e.event.id) {
                outputs += engine.process(e.event)
                fresh.append(e)
                summary.lastBlock = max(summary.lastBlock, e.event.id.blockNumber)
            }
            summary.events += fresh.count
            guard let chainId = fresh.first?.event.id.chainId else { return }
            let stored = try store.commit(feed: feed, chainId: chainId, events: fresh, outputs: outputs)
            summary.tally(outputs, fresh: stored.count)
        case .marketEvents(let feed, let events):
            let fresh = try store.storeTrades(feed: feed, events)
            var outputs: [OutputRecord] = []
            for e in fresh where !engine.hasSeen(e.id) { outputs += engine.process(e) }
            summary.events += fresh.count
            let stored = try store.store(outputs)
            summary.tally(outputs, fresh: stored.count)
        case .blockClosed(let feed, let chainId, let number, let hash):
            summary.heads += 1
            closed[feed] = number
            try store.checkpoint(feed: feed, chainId: chainId, block: number, hash: hash, portfolio: engine.portfolio)
            if number % 256 == 0, number > 2_048 { engine.forgetSeen(chainId: chainId, below: number - 2_048) }
        case .rewind(let feed, let chainId, let toBlock):
            let (events, outputs) = try store.rewind(feed: feed, chainId: chainId, toBlock: toBlock)
            summary.retractions += events
            summary.retractedOutputs += outputs
            if let c = closed[feed], c > toBlock { closed[feed] = toBlock }
            if events > 0 { try rebuild() }
        case .gap(let feed, let gap):
            summary.gaps += 1
            try store.recordGap(feed: feed, gap)
        }
    }

    /// Applies a registry update between two items: a verified newer version is handed to every
    /// strategy using the model; a refused one leaves the running version and is recorded as an
    /// alert caused by the registry's publish event. Returns a line for the operator.
    public func apply(_ update: ModelFollower.Update) throws -> String {
        switch update {
        case .verified(let id, let model, let entry, _):
            let (taken, refused) = engine.replaceModel(id: id, with: model)
            if !taken.isEmpty { models[id] = model }
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
                summary.tally([record], fresh: stored.count)
            }
            return "model \(id): version \(entry.version) REFUSED, version \(models[id]?.reference.version ?? 0) keeps running: \(reason)"
        }
    }

    /// True when every named feed has closed `block`.
    public func allClosed(through block: UInt64, feeds: [String]) -> Bool {
        feeds.allSatisfy { (closed[$0] ?? 0) >= block }
    }
}
