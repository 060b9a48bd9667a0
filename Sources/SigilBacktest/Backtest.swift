import Foundation
import SigilFeeds
import SigilPluginAPI
public import SigilRuntime

/// `sigil backtest`: the same configuration, runner and plugins as `sigil run`, on recordings,
/// into a report directory; then every detector scored against the labels.
public enum Backtest {
    /// The configuration a backtest runs: `config` with its feeds replaced by one replay feed
    /// per recording (when any are given) and its outputs written afresh into `reportDir`.
    public static func configure(_ config: SigilConfig, recordings: [String], reportDir: String) throws -> SigilConfig {
        var c = config
        if !recordings.isEmpty {
            c.feeds = recordings.enumerated().map { i, path in .replay(name: "replay-\(i + 1)", path: path) }
        }
        guard !c.feeds.isEmpty, c.feeds.allSatisfy({ !$0.isLive }) else {
            throw BacktestError("a backtest runs on recordings: give --replay FILE, or a configuration whose feeds are all replays")
        }
        try FileManager.default.createDirectory(atPath: reportDir, withIntermediateDirectories: true)
        c.outputs.jsonl = reportDir + "/outputs.jsonl"
        c.outputs.sqlite = reportDir + "/sigil.sqlite"
        for file in ["outputs.jsonl", "sigil.sqlite", "sigil.sqlite-wal", "sigil.sqlite-shm", "outputs.jsonl.lock", "sigil.sqlite.lock"] {
            let path = reportDir + "/" + file
            if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
        }
        return c
    }

    /// The folds' block boundaries over the prices the run saw (`WalkForward.boundaries`); the
    /// signal strategies are judged from the second boundary to the last.
    public static func folds(_ tape: PriceTape, count: Int) -> [UInt64]? {
        tape.span.map { WalkForward.boundaries(first: $0.lowerBound, last: $0.upperBound, folds: count) }
    }

    /// True when some strategy of `config` uses a model (and so is run walk-forward).
    /// True when a signal strategy (a plugin that detects nothing) uses a model: the walk-forward
    /// retrains those.
    public static func hasModelStrategies(_ config: SigilConfig) -> Bool {
        config.strategies.contains { !$0.models.isEmpty && (config.plugins.plugin(kind: $0.plugin)?.detects.isEmpty ?? false) }
    }

    /// Scores the run's outputs: each strategy whose plugin detects some kind of fraud, against
    /// the labels (when given); every other strategy's signals on paper over the test period
    /// (from `cuts[1]`), beside buy-and-hold and the walk-forward signals; the report lists
    /// every figure.
    public static func report(config: SigilConfig, summary: ReplayRun.Summary, labels: ScenarioLabels?, labelsPath: String?,
                              tape: PriceTape? = nil, cuts: [UInt64] = [],
                              walkForward: (folds: [WalkForward.Fold], signals: [SignalRecord]) = ([], [])) throws -> BacktestReport {
        let alerts = try AlertRecord.read(jsonl: config.outputs.jsonl)
        var scores: [DetectionScore] = []
        var timeline: [BacktestReport.TimelinePoint] = []
        for s in config.strategies {
            guard let type = config.plugins.plugin(kind: s.plugin), !type.detects.isEmpty else { continue }
            let mine = alerts.filter { $0.strategy == s.name }
            let score = DetectionScore.score(strategy: s.name, plugin: s.plugin, detects: type.detects, alerts: mine,
                                             labels: labels ?? ScenarioLabels(chainId: nil, scenarios: []), events: summary.events)
            let wrong = Set(score.falseAlarms.map(\.alertKey))
            timeline += mine.map { .init(strategy: s.name, block: $0.block, correct: labels != nil && !wrong.contains($0.key)) }
            scores.append(score)
        }
        let run = BacktestReport.Run(recordings: config.feeds.compactMap { $0.replay?.path }, labels: labelsPath, frames: summary.frames,
                                     events: summary.events, blocks: summary.heads, seconds: summary.seconds,
                                     alerts: summary.alertsBySeverity.values.reduce(0, +),
                                     signals: summary.signals.values.reduce(0, +))
        var section: SignalSection?
        if let tape, cuts.count >= 3 {
            let subject = BacktestSubject(signalStrategies: config.strategies.compactMap { s in
                guard let type = config.plugins.plugin(kind: s.plugin), type.detects.isEmpty else { return nil }
                return .init(name: s.name, usesModels: !s.models.isEmpty)
            })
            section = SignalSection.make(config: subject, tape: tape, signals: try SignalRecord.read(jsonl: config.outputs.jsonl),
                                         walkForward: walkForward, testFrom: cuts[1], testUntil: cuts[cuts.count - 1])
        }
        return BacktestReport(run: run, labels: labels, detectors: scores, timeline: timeline, signals: section)
    }
}
