import Foundation
public import ServiceLifecycle
public import SigilModels
import Synchronization
import SigilCore
public import SigilPluginAPI

/// `sigil run` on replay feeds as a swift-service-lifecycle `Service`: it builds the engine and
/// the output store inside `run()`, plays every recording, and on graceful shutdown (SIGINT or
/// SIGTERM through the `ServiceGroup`) stops between two frames, commits what it processed and
/// saves the portfolio. The outcome is left in `outcome` for the caller to report.
public struct ReplayService: Service {
    /// What a finished (or stopped) run produced.
    public struct Outcome: Sendable {
        public var summary: ReplayRun.Summary
        public var strategies: Int
        public var portfolio: PortfolioFigures?
    }

    public final class OutcomeBox: Sendable {
        let value = Mutex<Outcome?>(nil)
        public init() {}
        public var outcome: Outcome? { value.withLock { $0 } }
    }

    let config: SigilConfig
    let models: [String: NeuralModel]
    let status: @Sendable (ReplayRun.Summary) -> Void
    let onReady: @Sendable (_ strategies: Int) -> Void
    let observer: (@Sendable (PoolSnapshot) -> Void)?
    let metrics: RunMetrics?
    let onDone: @Sendable () -> Void
    /// Blocks a second at most (nil: as fast as it goes).
    let pace: Double?
    /// Where SIGHUP's reload requests come from (nil: none are taken).
    let reloader: ConfigReloader?
    public let outcome: OutcomeBox

    /// `onReady` is called once the engine and the store are open, inside the service group
    /// (so its signal handling is in place), `onDone` once the outcome is in `outcome`. `observer` sees every pool's state after each
    /// event that changed it (`ReplayRun.run`).
    public init(config: SigilConfig, models: [String: NeuralModel], outcome: OutcomeBox,
                onReady: @escaping @Sendable (_ strategies: Int) -> Void = { _ in },
                observer: (@Sendable (PoolSnapshot) -> Void)? = nil, metrics: RunMetrics? = nil, pace: Double? = nil,
                reloader: ConfigReloader? = nil, onDone: @escaping @Sendable () -> Void = {},
                status: @escaping @Sendable (ReplayRun.Summary) -> Void) {
        self.metrics = metrics
        self.onDone = onDone
        self.pace = pace
        self.reloader = reloader
        self.config = config
        self.models = models
        self.outcome = outcome
        self.onReady = onReady
        self.observer = observer
        self.status = status
    }

    public func run() async throws {
        // The replay is synchronous work (decoding, SQLite commits): it runs on a thread of its
        // own, and a graceful shutdown reaches it through a flag polled between frames.
        let stop = StopFlag()
        let (config, models, status, onReady, observer, metrics, pace, reloader) = (config, models, status, onReady, observer, metrics, pace, reloader)
        let done = try await withGracefulShutdownHandler {
            try await OffPool.run { () throws -> Outcome in
                let store = try OutputStore(sqlitePath: config.outputs.sqlite, jsonlPath: config.outputs.jsonl)
                store.notify = config.notifications
                onReady(config.strategies.count)
                let (summary, runner) = try ReplayRun.run(config: config, models: models, store: store, pace: pace,
                                                          shouldStop: { stop.isSet }, observer: observer, metrics: metrics,
                                                          reloader: reloader, status: status)
                try store.close()
                let engine = runner.engine
                let p = engine.portfolio?.figures
                return Outcome(summary: summary, strategies: engine.strategies.count, portfolio: p)
            }
        } onGracefulShutdown: {
            stop.set()
        }
        outcome.value.withLock { $0 = done }
        onDone()
    }
}

/// A flag set from one thread and polled from another.
final class StopFlag: Sendable {
    let flag = Atomic<Bool>(false)
    var isSet: Bool { flag.load(ordering: .acquiring) }
    func set() { flag.store(true, ordering: .releasing) }
}
