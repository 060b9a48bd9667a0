import Foundation
public import Logging
public import ServiceLifecycle
public import SigilChain
public import SigilCore
public import SigilFeeds
public import SigilModels
import Synchronization

/// `sigil run` on live feeds as a swift-service-lifecycle `Service`: restores the engine from the
/// journal, runs every feed in its own task, and handles what they deliver in one task, each
/// item committed before the next (or, when more already wait, with them). On graceful shutdown
/// (SIGINT/SIGTERM) it stops between two items; `stopAtBlock` ends the run once every feed has
/// closed that block.
public struct LiveService: Service {
    /// One status report: the totals and each feed's health.
    public struct Status: Sendable {
        public var summary: ReplayRun.Summary
        public var feeds: [FeedHealth.Snapshot]
        public var rebuiltEvents: Int
        public var portfolio: PortfolioFigures?
    }

    public final class OutcomeBox: Sendable {
        let value = Mutex<Status?>(nil)
        public init() {}
        public var outcome: Status? { value.withLock { $0 } }
    }

    enum Input: Sendable {
        case item(FeedItem)
        case model(ModelFollower.Update)
        case tick
        case metricsTick
        case reload
        case progressTick
        case failed(String)
    }

    let config: SigilConfig
    let models: [String: NeuralModel]
    let logger: Logger
    let stopAtBlock: UInt64?
    /// Time between two status reports (nil: none).
    let statusInterval: Duration?
    let onReady: @Sendable (_ strategies: Int, _ rebuiltEvents: Int) -> Void
    let status: @Sendable (Status) -> Void
    let onModel: @Sendable (String) -> Void
    /// Where latencies and totals go (updated every `metricsInterval`); nil: nowhere.
    let metrics: RunMetrics?
    /// Where SIGHUP's reload requests come from (nil: none are taken).
    let reloader: ConfigReloader?
    /// Given the feeds' health five times a second (a terminal's backfill bar); nil: not called.
    let progress: (@Sendable ([FeedHealth.Snapshot]) -> Void)?
    static let progressInterval = Duration.milliseconds(200)
    static let metricsInterval = Duration.seconds(1)
    public let outcome: OutcomeBox
    /// Feed items handed over but not yet committed, at most: a feed that gets ahead waits (and
    /// its health counts a slowdown).
    let queueCapacity: Int
    /// Simulations run together at most (each bounded by `simulation.timeout`).
    public static let simulationsAtOnce = 16
    /// The running feeds' health objects, once the run has built them.
    let health = HealthBoard()
    final class HealthBoard: Sendable {
        private let feeds = Mutex<[FeedHealth]>([])
        func withLock<T>(_ body: (inout [FeedHealth]) -> T) -> T { feeds.withLock { body(&$0) } }
    }

    /// Each running feed's health now, read from the feeds themselves (not from the runner's
    /// status reports, which wait while the runner is busy): empty until the run has started.
    public var feedHealth: [FeedHealth.Snapshot] { health.withLock { $0.map(\.snapshot) } }

    /// Runs `pending` through `probe`, up to `simulationsAtOnce` together (so many suspects
    /// cost about one timeout per batch, not one each); the answers in the order asked.
    public static func simulate(_ pending: [Engine.PendingSimulation], with probe: HoneypotProbe) async -> [SimulationResult] {
        var answers: [SimulationResult] = []
        answers.reserveCapacity(pending.count)
        var start = 0
        while start < pending.count {
            let batch = Array(pending[start..<min(start + simulationsAtOnce, pending.count)])
            start += batch.count
            let results = await withTaskGroup(of: (Int, SimulationResult).self) { group in
                for (i, p) in batch.enumerated() {
                    group.addTask { (i, await probe.roundTrip(pool: p.request.pool, token: p.request.token, block: p.request.block)) }
                }
                var out = [SimulationResult?](repeating: nil, count: batch.count)
                for await (i, r) in group { out[i] = r }
                return out
            }
            answers += results.map { $0 ?? SimulationResult(outcome: .failed, reason: "no answer") }
        }
        return answers
    }

    public init(config: SigilConfig, models: [String: NeuralModel], logger: Logger, stopAtBlock: UInt64? = nil,
                statusInterval: Duration? = .seconds(10), outcome: OutcomeBox, queueCapacity: Int = 1_024,
                onReady: @escaping @Sendable (_ strategies: Int, _ rebuiltEvents: Int) -> Void = { _, _ in },
                onModel: @escaping @Sendable (String) -> Void = { _ in }, metrics: RunMetrics? = nil,
                reloader: ConfigReloader? = nil, progress: (@Sendable ([FeedHealth.Snapshot]) -> Void)? = nil,
                status: @escaping @Sendable (Status) -> Void) {
        self.onModel = onModel
        self.reloader = reloader
        self.progress = progress
        self.metrics = metrics
        self.config = config
        self.models = models
        self.logger = logger
        self.stopAtBlock = stopAtBlock
        self.statusInterval = statusInterval
        self.outcome = outcome
        self.queueCapacity = queueCapacity
        self.onReady = onReady
        self.status = status
    }

    /// The registry follower, when models are taken at `version: latest` from an on-chain registry.
    func follower() -> ModelFollower? {
        guard case .onChain(let rpc, let address) = config.registry else { return nil }
        let followed = config.models.filter { $0.version == .latest }.compactMap { m in
            models[m.id].map { (id: m.id, version: $0.reference.version) }
        }
        guard !followed.isEmpty else { return nil }
        let transport: any JSONRPCTransport = HTTPRPCClient(url: rpc)
        return ModelFollower(registry: OnChainModelRegistry(rpc: transport, address: address), models: followed,
                             allowedPublishers: config.publishers.isEmpty ? nil : Set(config.publishers),
                             interval: .milliseconds(Int64(config.followInterval * 1000)), subscribe: config.followSubscription, logger: logger)
    }

    public func run() async throws {
        // The runner's work (SQLite commits, rebuilds) blocks: it runs off the cooperative pool,
        // one call at a time, each awaited before the next.
        let (config, models, metrics) = (self.config, self.models, self.metrics)
        let (box, resume) = try await OffPool.run { () throws -> (Confined<LiveRunner>, [String: ChainResumePoint]) in
            let store = try OutputStore(sqlitePath: config.outputs.sqlite, jsonlPath: config.outputs.jsonl)
            store.notify = config.notifications
            let runner = try LiveRunner(config: config, models: models, store: store, metrics: metrics)
            return (Confined(runner), try runner.restore())
        }
        let runner = box.value, store = runner.store
        var feeds: [(feed: any LiveFeed, resume: FeedResume)] = []
        for f in config.feeds {
            guard let feed = f.settings.makeLiveFeed(logger: logger, eventKinds: runner.engine.eventKinds) else { continue }
            feeds.append((feed, FeedResume(chain: resume[f.name], streams: try store.lastTrades(feed: f.name),
                                           tokens: runner.engine.tokens.pooled)))
        }
        health.withLock { $0 = feeds.map(\.feed.health) }
        let probe = config.simulation.map {
            HoneypotProbe(rpc: HTTPRPCClient(url: $0.rpc), weth: $0.weth, offerEth: $0.offerEth, timeout: .milliseconds(Int64($0.timeout * 1000)))
        }
        /// Answers the strategies' simulation requests (those a restored snapshot held, then
        /// those each item raised) before the next item is handled, in the order they were asked.
        func answerSimulations() async throws {
            guard let probe else { return }
            let pending = runner.takePendingSimulations()
            let results = await Self.simulate(pending, with: probe)
            for (p, answer) in zip(pending, results) {
                let r = p.request
                logger.info("simulation for \(p.strategy): \(r.kind.rawValue) of \(r.token) in \(r.pool) at block \(r.block): \(answer.outcome.rawValue)\(answer.reason.isEmpty ? "" : " (\(answer.reason))")")
                try await OffPool.run { try box.value.deliver(answer, for: p) }
            }
        }
        try await answerSimulations()
        onReady(runner.engine.strategies.count, runner.rebuiltEvents)
        let (inputs, sink) = AsyncStream.makeStream(of: Input.self)
        reloader?.onRequest { sink.yield(.reload) }
        let credits = HandoffCredits(capacity: queueCapacity)
        let start = ContinuousClock.now
        var failure: String?
        func report() -> Status {
            var s = runner.summary
            s.seconds = (ContinuousClock.now - start).secondsValue
            let p = runner.engine.portfolio?.figures
            return Status(summary: s, feeds: feeds.map(\.feed.health.snapshot), rebuiltEvents: runner.rebuiltEvents,
                          portfolio: p)
        }
        func updateMetrics() {
            guard let metrics else { return }
            let r = report()
            metrics.update(summary: r.summary, feeds: r.feeds, queue: (credits.handedOver, queueCapacity), portfolio: r.portfolio)
        }
        updateMetrics()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (feed, resume) in feeds {
                group.addTask {
                    do {
                        try await feed.run(from: resume) { item in
                            _ = await credits.acquire(onWait: { feed.health.update { $0.slowdowns += 1 } })
                            sink.yield(.item(item))
                        }
                    } catch {
                        sink.yield(.failed("feed \(feed.name): \(error)"))
                    }
                }
            }
            if let follower = follower() {
                group.addTask { await follower.run { sink.yield(.model($0)) } }
            }
            if metrics != nil {
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: Self.metricsInterval)
                        sink.yield(.metricsTick)
                    }
                }
            }
            if progress != nil {
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: Self.progressInterval)
                        sink.yield(.progressTick)
                    }
                }
            }
            if let statusInterval, statusInterval > .zero {
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: statusInterval)
                        sink.yield(.tick)
                    }
                }
            }
            defer { group.cancelAll() }
            let names = feeds.filter { $0.feed.closesBlocks }.map(\.feed.name)
            // A restart past the stop block has nothing left to do (no new block would come to end it).
            if let stop = stopAtBlock, !names.isEmpty, runner.allClosed(through: stop, feeds: names) { return }
            for await input in inputs.cancelOnGracefulShutdown() {
                switch input {
                case .item(let item):
                    // Items already waiting behind this one (a block's logs come in a burst) are
                    // committed with it in one transaction, by the last of them.
                    let moreWaiting = credits.handedOver > 1
                    try await OffPool.run { try box.value.handle(item, moreWaiting: moreWaiting) }
                    try await answerSimulations()
                    credits.release()
                    if let stop = stopAtBlock, case .blockClosed = item, runner.allClosed(through: stop, feeds: names) {
                        return
                    }
                case .model(let update):
                    onModel(try runner.apply(update))
                case .tick:
                    status(report())
                case .metricsTick:
                    updateMetrics()
                case .progressTick:
                    progress?(feeds.map(\.feed.health.snapshot))
                case .reload:
                    if let reloader { try await OffPool.run { try reloader.applyIfRequested(box.value) } }
                case .failed(let message):
                    failure = message
                    return
                }
            }
        }
        try await OffPool.run { try box.value.flush() }
        if let p = runner.engine.portfolio { try store.savePortfolio(p, block: runner.summary.lastBlock) }
        try store.close()
        let final = report()
        updateMetrics()
        outcome.value.withLock { $0 = final }
        if let failure { throw FeedError(description: failure) }
    }
}

/// A value handed between threads but used by one at a time: the live runner, whose calls the
/// service awaits one after another.
final class Confined<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
