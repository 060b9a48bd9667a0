public import CoreMetrics
import Foundation
import SigilChain
import SigilCore
public import SigilFeeds
import SigilModels
import SigilPluginAPI
import Synchronization

/// A run's metrics through swift-metrics, for whichever backend the factory is (the `sigil`
/// executable gives swift-prometheus's). Latencies are recorded where they happen (a commit, a
/// frame's way to its commit, a model's inference); totals and states are taken from the run's
/// summary and the feeds' health (`update`), each counter advanced by what its total grew.
public final class RunMetrics: Sendable {
    let factory: any MetricsFactory
    let commitTimer: CoreMetrics.Timer
    let frameTimer: CoreMetrics.Timer
    /// The totals last seen per counter series (to advance each by its growth), and the
    /// counters and gauges made so far, by name and labels.
    let state = Mutex<State>(State())

    struct State {
        var seen: [String: Int] = [:]
        var counters: [String: CoreMetrics.Counter] = [:]
        var gauges: [String: CoreMetrics.Gauge] = [:]
        var models: [String: (version: String, sha256: String)] = [:]
        var status = RunStatus(startedAt: Date().timeIntervalSince1970)
    }

    /// What the live dashboard draws (outputs, prices, equity), kept by the runner.
    public let dashboard: DashboardLog

    /// The run as of the last `update` (for `GET /api/status`).
    public var status: RunStatus { state.withLock { $0.status } }

    /// The histograms' names, for a backend that wants buckets per name.
    public static let inferenceSeconds = "sigil_inference_seconds"
    public static let commitSeconds = "sigil_commit_seconds"
    public static let frameToCommitSeconds = "sigil_frame_to_commit_seconds"

    public init(factory: any MetricsFactory, dashboard: DashboardLog = DashboardLog()) {
        self.factory = factory
        self.dashboard = dashboard
        commitTimer = CoreMetrics.Timer(label: Self.commitSeconds, dimensions: [], factory: factory)
        frameTimer = CoreMetrics.Timer(label: Self.frameToCommitSeconds, dimensions: [], factory: factory)
    }

    /// A store commit took `d`.
    func committed(_ d: Duration) { commitTimer.recordNanoseconds(d.nanoseconds) }

    /// A live event's frame arrived `d` before the commit of what it caused.
    func frameToCommit(_ d: Duration) { frameTimer.recordNanoseconds(d.nanoseconds) }

    /// `model` with each prediction timed (`sigil_inference_seconds{model}`).
    func timed(_ model: any PredictiveModel) -> any PredictiveModel {
        TimedModel(inner: model, timer: CoreMetrics.Timer(label: Self.inferenceSeconds, dimensions: [("model", model.reference.id)], factory: factory))
    }

    /// Every model timed, by id.
    func timed(_ models: [String: NeuralModel]) -> [String: any PredictiveModel] {
        models.mapValues { timed($0) }
    }

    /// A notification delivery's outcome (`delivered`, `retried`, `failed`) for `sink`.
    public func notification(sink: String, outcome: String) {
        counter("sigil_notifications_total", [("sink", sink), ("outcome", outcome)]).increment()
    }

    /// Starts every feed's event and rejection counters at zero, so a series exists (and a
    /// rate can be taken) before its first event or rejection.
    public func expect(feeds: [String]) {
        for feed in feeds {
            advance("sigil_events_total", [("feed", feed)], to: 0)
            for reason in FrameError.Reason.allCases { advance("sigil_rejected_total", [("feed", feed), ("reason", reason.rawValue)], to: 0) }
        }
    }

    /// The model each id runs now: `sigil_model_info{model, version, sha256}` is 1 for it (and 0
    /// for the version it replaced).
    public func modelRunning(_ id: String, version: UInt64, sha256: String) {
        let previous = state.withLock { s in
            defer { s.models[id] = ("\(version)", sha256) }
            return s.models[id]
        }
        if let previous, previous != ("\(version)", sha256) {
            gauge("sigil_model_info", [("model", id), ("version", previous.version), ("sha256", previous.sha256)]).record(0)
        }
        gauge("sigil_model_info", [("model", id), ("version", "\(version)"), ("sha256", sha256)]).record(1)
        state.withLock { s in
            s.status.models.removeAll { $0.id == id }
            s.status.models.append(.init(id: id, version: version, sha256: sha256))
            s.status.models.sort { $0.id < $1.id }
        }
        gauge("sigil_model_version", [("model", id)]).record(Int64(clamping: version))
    }

    /// Takes the totals and states of a run: its summary, its feeds' health (live), how many
    /// feed items wait for the runner out of how many may, and the paper portfolio.
    public func update(summary: ReplayRun.Summary, feeds: [FeedHealth.Snapshot], queue: (waiting: Int, capacity: Int)? = nil,
                       portfolio: PortfolioFigures? = nil) {
        for (feed, n) in summary.eventsByFeed { advance("sigil_events_total", [("feed", feed)], to: n) }
        var rejected = summary.rejectedByFeed
        for f in feeds {
            rejected[f.feed, default: [:]].merge(f.rejected, uniquingKeysWith: +)
            let labels = [("feed", f.feed)]
            advance("sigil_feed_reconnects_total", labels, to: f.reconnects)
            advance("sigil_feed_slowdowns_total", labels, to: f.slowdowns)
            advance("sigil_feed_gaps_total", labels, to: f.gaps)
            advance("sigil_feed_rewinds_total", labels, to: f.rewinds)
            gauge("sigil_feed_head_block", labels).record(Int64(clamping: f.head))
            gauge("sigil_feed_closed_block", labels).record(Int64(clamping: f.delivered))
            gauge("sigil_feed_head_lag_blocks", labels).record(Int64(clamping: f.lag))
            for s in [FeedHealth.State.connecting, .backfilling, .live, .stalled] {
                gauge("sigil_feed_state", [("feed", f.feed), ("state", s.rawValue)]).record(f.state == s ? 1 : 0)
            }
        }
        for (feed, reasons) in rejected {
            for (reason, n) in reasons { advance("sigil_rejected_total", [("feed", feed), ("reason", reason.rawValue)], to: n) }
        }
        for (k, n) in summary.outputsBy {
            let (name, detail) = switch k.kind {
            case "alert": ("sigil_alerts_total", "severity")
            case "vetoed": ("sigil_signals_vetoed_total", "side")
            case "fill": ("sigil_fills_total", "side")
            default: ("sigil_signals_total", "side")
            }
            advance(name, [("strategy", k.strategy), ("plugin", k.plugin), (detail, k.detail)], to: n)
        }
        advance("sigil_retracted_events_total", [], to: summary.retractions)
        advance("sigil_retracted_outputs_total", [], to: summary.retractedOutputs)
        advance("sigil_simulations_total", [], to: summary.simulations)
        gauge("sigil_last_block", []).record(Int64(clamping: summary.lastBlock))
        if let queue {
            gauge("sigil_queue_waiting_items", []).record(Int64(queue.waiting))
            gauge("sigil_queue_capacity_items", []).record(Int64(queue.capacity))
        }
        if let p = portfolio {
            gauge("sigil_paper_equity", []).record(p.equity)
            gauge("sigil_paper_pnl", []).record(p.pnl)
        }
        state.withLock { st in
            var s = st.status
            s.takenAt = Date().timeIntervalSince1970
            s.events = summary.events
            s.outputs = summary.outputs
            s.lastBlock = summary.lastBlock
            s.alerts = summary.alertsBySeverity
            s.signals = summary.signals
            s.vetoed = summary.vetoed
            s.rejected = Dictionary(uniqueKeysWithValues: summary.rejected.map { ($0.key.rawValue, $0.value) })
            s.feeds = feeds.map { f in
                .init(name: f.feed, state: f.state.rawValue, head: f.head, closed: f.delivered, lag: f.lag, reconnects: f.reconnects,
                      rewinds: f.rewinds, delivered: f.events, rejected: Dictionary(uniqueKeysWithValues: f.rejected.map { ($0.key.rawValue, $0.value) }),
                      slowdowns: f.slowdowns, lastError: f.lastError)
            }
            s.portfolio = portfolio.map { .init(fills: $0.fills, equity: $0.equity, pnl: $0.pnl) }
            s.queueWaiting = queue?.waiting
            s.queueCapacity = queue?.capacity
            st.status = s
        }
    }

    static func key(_ name: String, _ labels: [(String, String)]) -> String {
        labels.reduce(name) { $0 + "\u{1}" + $1.0 + "\u{2}" + $1.1 }
    }

    /// The metric of `name` and `labels` in `table`, made on first use.
    func cached<M: Sendable>(_ table: WritableKeyPath<State, [String: M]>, _ name: String, _ labels: [(String, String)],
                   make: (String, [(String, String)]) -> M) -> M {
        let k = Self.key(name, labels)
        return state.withLock { s in
            if let m = s[keyPath: table][k] { return m }
            let m = make(name, labels)
            s[keyPath: table][k] = m
            return m
        }
    }

    func counter(_ name: String, _ labels: [(String, String)]) -> CoreMetrics.Counter {
        cached(\.counters, name, labels) { CoreMetrics.Counter(label: $0, dimensions: $1, factory: factory) }
    }

    /// Advances a counter series by what its total grew since last seen.
    func advance(_ name: String, _ labels: [(String, String)], to total: Int) {
        let k = Self.key(name, labels)
        let c = counter(name, labels)
        let growth = state.withLock { s -> Int in
            let grew = total - (s.seen[k] ?? 0)
            if grew > 0 { s.seen[k] = total }
            return grew
        }
        if growth > 0 { c.increment(by: Int64(growth)) }
    }

    func gauge(_ name: String, _ labels: [(String, String)]) -> CoreMetrics.Gauge {
        cached(\.gauges, name, labels) { CoreMetrics.Gauge(label: $0, dimensions: $1, factory: factory) }
    }
}

/// A model whose every prediction is timed into a histogram.
struct TimedModel: PredictiveModel {
    let inner: any PredictiveModel
    let timer: CoreMetrics.Timer

    var reference: ModelReference { inner.reference }
    var featureNames: [String] { inner.featureNames }

    func predict(_ features: [Float], rows: Int) throws -> [Float] {
        let start = ContinuousClock.now
        defer { timer.recordNanoseconds((ContinuousClock.now - start).nanoseconds) }
        return try inner.predict(features, rows: rows)
    }
}

extension Duration {
    /// Whole nanoseconds, saturating.
    var nanoseconds: Int64 {
        let (s, atto) = components
        let (ns, over) = s.multipliedReportingOverflow(by: 1_000_000_000)
        return over ? .max : ns.addingReportingOverflow(atto / 1_000_000_000).partialValue
    }
}
