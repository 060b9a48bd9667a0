import ArgumentParser
import Foundation
import Logging
import SigilBacktest
import SigilBundle
import SigilCore
import SigilFeeds
import SigilRuntime

/// `sigil backtest [CONFIG] --replay FILE… [--labels FILE] [--report DIR]`: `sigil run`'s
/// runner and plugins on recordings, then a report of every detector against the labels.
struct BacktestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract: "Run the strategies on recordings and report how good each detector is against labelled scenarios.",
        discussion: """
            The run is `sigil run` itself (same runner, plugins, risk gate and paper portfolio) with the feeds replaced by \
            the recordings and the outputs written afresh into the report directory. With --labels, each strategy whose \
            plugin detects a kind of fraud is scored: precision, recall, F1, the account it named, false alarms per \
            10,000 events, its misses and false alarms. Every other strategy's signals are traded on paper over the last \
            folds of the run (hit rate, PnL, Sharpe, maximum drawdown, turnover) beside buy-and-hold; a strategy that uses \
            a model is also run walk-forward: before each fold its model is retrained on the earlier blocks only and the \
            whole configuration run again. Writes report.json (every figure), report.html (self-contained) and the charts as SVG.
            """
    )

    @Argument(help: "The configuration file.")
    var config: String = "strategies.yaml"

    @Option(name: .customLong("replay"), parsing: .upToNextOption, help: "Recordings to run on (default: the configuration's replay feeds).")
    var recordings: [String] = []

    @Option(help: "The scenario labels (labels.json) to score the detectors against.")
    var labels: String?

    @Option(help: "Where the report and the run's outputs go.")
    var report: String = "out/backtest"

    @Option(help: "Folds of the walk-forward (2–20): signals are judged on all but the first, models retrained before each.")
    var folds: Int = 4

    func validate() throws {
        guard (2...20).contains(folds) else { throw ValidationError("--folds takes 2…20") }
    }

    func run() async throws {
        let loaded: SigilConfig
        do { loaded = try ConfigLoader.load(path: config, components: .bundled) } catch { throw fail("\(error)") }
        let cfg: SigilConfig
        do { cfg = try Backtest.configure(loaded, recordings: recordings, reportDir: report) } catch { throw fail("\(error)") }
        let truth: ScenarioLabels?
        do { truth = try labels.map(ScenarioLabels.load) } catch { throw fail("\(error)") }
        let (gate, enabled) = try await RunCommand.verifyModels(cfg, command: "backtest")
        var logger = Logger(label: "sigil")
        logger.logLevel = .warning
        let progress = ProgressBar(total: enabled.feeds.compactMap { $0.replay.map { RecordingManifest.frames(of: $0.path) } }.reduce(0, +),
                                   handle: .standardOutput)
        let box = ReplayService.OutcomeBox()
        let tape = PriceTape()
        let service = ReplayService(config: enabled, models: gate.verified, outcome: box, observer: { tape.record($0) }) { s in
            progress.show(done: s.frames, detail: "block \(s.lastBlock), \(s.events) events, \(s.outputs) outputs")
        }
        do { try await RunCommand.runUntilDone(service, logger) } catch { throw fail("\(error)") }
        progress.finish()
        guard let outcome = box.outcome else { throw fail("the run ended without a result") }
        let cuts = Backtest.folds(tape, count: folds) ?? []
        var walkForward: (folds: [WalkForward.Fold], signals: [SignalRecord]) = ([], [])
        let foldStart = ContinuousClock.now
        if Backtest.hasModelStrategies(enabled), cuts.count >= 3, !outcome.summary.stoppedEarly {
            let (verified, dir, count) = (gate.verified, report + "/walk-forward", folds)
            do {
                walkForward = try await OffPool.run {
                    try WalkForward.run(config: enabled, verified: verified, first: cuts[0], last: cuts[cuts.count - 1] - 1, folds: count,
                                        dir: dir) { progress.note($0) }
                }
            } catch { throw fail("walk-forward: \(error)") }
            progress.finish()
        }
        let foldSeconds = (ContinuousClock.now - foldStart).secondsValue
        let result: BacktestReport
        do {
            result = try Backtest.report(config: enabled, summary: outcome.summary, labels: truth, labelsPath: labels,
                                         tape: tape, cuts: cuts, walkForward: walkForward)
            try result.write(to: report)
        } catch { throw fail("\(error)") }
        let s = outcome.summary
        RunCommand.say(String(format: "backtest: %d frames, %d events, %d blocks in %.1f s; outputs in %@", s.frames, s.events, s.heads, s.seconds, report))
        if outcome.summary.stoppedEarly { RunCommand.say("stopped by a shutdown signal: the report covers what was processed") }
        if labels == nil { RunCommand.say("no --labels: detectors are listed with their alert counts only") }
        func pad(_ s: String, _ n: Int, left: Bool = false) -> String {
            s.count >= n ? s : (left ? s + String(repeating: " ", count: n - s.count) : String(repeating: " ", count: n - s.count) + s)
        }
        func f(_ x: Double?) -> String { x.map { String(format: "%.3f", $0) } ?? "–" }
        let header = ["alerts", "scenarios", "found", "false", "precision", "recall", "F1", "responsible", "false/10k"]
        RunCommand.say(pad("strategy", 16, left: true) + header.map { pad($0, 12) }.joined())
        for d in result.detectors {
            let cells = ["\(d.alerts)", "\(d.scenarios)", "\(d.found)", "\(d.falsePositives)", f(d.precision), f(d.recall), f(d.f1),
                         "\(d.responsibleCorrect)/\(d.responsibleChecked)", String(format: "%.2f", d.falseAlarmsPer10kEvents)]
            RunCommand.say(pad(d.strategy, 16, left: true) + cells.map { pad($0, 12) }.joined())
        }
        if let sec = result.signals {
            if !sec.folds.isEmpty {
                RunCommand.say(String(format: "walk-forward: %d folds trained and run in %.1f s", sec.folds.count, foldSeconds))
            }
            RunCommand.say("signals on blocks \(sec.testFrom)–\(sec.testUntil - 1), \(sec.pools.count) pool(s)\(sec.folds.isEmpty ? "" : ", \(sec.folds.count) walk-forward folds"):")
            let head = ["signals", "executed", "hit rate", "PnL", "Sharpe", "max DD", "turnover"]
            RunCommand.say(pad("strategy", 26, left: true) + head.map { pad($0, 10) }.joined())
            for r in sec.strategies {
                let cells = ["\(r.signals)", "\(r.executed)", f(r.hitRate), String(format: "%+.2f%%", r.pnl * 100),
                             r.sharpe.map { String(format: "%.2f", $0) } ?? "–", String(format: "%.2f%%", r.maxDrawdown * 100),
                             String(format: "%.1f×", r.turnover)]
                RunCommand.say(pad(r.strategy, 26, left: true) + cells.map { pad($0, 10) }.joined())
            }
        }
        RunCommand.say("report: \(report)/report.html, \(report)/report.json")
    }

    func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("sigil backtest: \(message)\n".utf8))
        return ExitCode(2)
    }
}

