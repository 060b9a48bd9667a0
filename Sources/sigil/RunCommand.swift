import ArgumentParser
import Foundation
import SigilChain
import SigilRuntime

/// `sigil run [CONFIG]`: load the configuration strictly, verify every model, run the feeds
/// through the strategies and persist every output.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the bot: verify models, run the strategies on the feeds, persist every output.",
        discussion: "On a replay feed the run ends at the end of the recording with a summary."
    )

    @Argument(help: "The configuration file.")
    var config: String = "strategies.yaml"

    func run() async throws {
        // SIGINT/SIGTERM from here on: stop between frames, commit what was processed, print the summary.
        let stop = StopSignal()
        let start = ContinuousClock.now
        let cfg: SigilConfig
        do { cfg = try ConfigLoader.load(path: config) } catch { fail("\(error)") }
        let gate: ModelGate.Outcome
        do { gate = try await ModelGate.check(cfg) } catch { fail("refusing to start: \(error)") }
        for (name, reason) in gate.disabled.sorted(by: { $0.key < $1.key }) {
            FileHandle.standardError.write(Data("sigil run: WARNING strategy \(name) is disabled: \(reason)\n".utf8))
        }
        var enabled = cfg
        enabled.strategies.removeAll { gate.disabled[$0.name] != nil }
        let engine: Engine
        do { engine = try Engine(config: enabled, models: gate.verified) } catch { fail("refusing to start: \(error)") }
        let store: OutputStore
        do { store = try OutputStore(sqlitePath: cfg.outputs.sqlite, jsonlPath: cfg.outputs.jsonl) } catch {
            fail("cannot open the outputs (\(cfg.outputs.sqlite), \(cfg.outputs.jsonl)): \(error)")
        }
        let ready = (ContinuousClock.now - start).components
        say("ready in \(ready.seconds * 1000 + ready.attoseconds / 1_000_000_000_000_000) ms: \(cfg.feeds.count) feed(s), "
              + "\(engine.strategies.count) strateg\(engine.strategies.count == 1 ? "y" : "ies"), \(gate.verified.count) verified model(s)")
        let summary: ReplayRun.Summary
        do {
            summary = try ReplayRun.run(config: enabled, engine: engine, store: store, shouldStop: { stop.received != nil }) { s in
                say(String(format: "[%6.1fs] block %llu  frames %d  events %d  outputs %d", s.seconds, s.lastBlock, s.frames, s.events, s.outputs))
            }
            try store.close()
        } catch {
            fail("\(error)")
        }
        if summary.stoppedEarly, let sig = stop.received { say("stopped by \(sig); everything processed so far is stored") }
        say("summary: \(summary.frames) frames, \(summary.events) events, \(summary.retractions) retractions, "
              + "\(summary.rejected.values.reduce(0, +)) rejected frames")
        let alerts = summary.alertsBySeverity.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        say("  alerts: \(summary.alertsBySeverity.values.reduce(0, +))\(alerts.isEmpty ? "" : " (\(alerts))"); "
              + "signals: \(summary.signals["buy"] ?? 0) buy, \(summary.signals["sell"] ?? 0) sell, \(summary.vetoed) vetoed")
        if let p = engine.portfolio {
            say(String(format: "  paper portfolio: %d fills, equity %.2f (PnL %+.2f, %+.2f%%)", p.fills, p.equity, p.pnl,
                       100 * p.pnl / max(p.initialCash / p.cashScale, 1e-9)))
        }
        say("  new outputs stored: \(summary.newOutputs) of \(summary.outputs)")
        say("  outputs: \(cfg.outputs.sqlite), \(cfg.outputs.jsonl)")
        for (reason, n) in summary.rejected.sorted(by: { $0.key.rawValue < $1.key.rawValue }) { say("  rejected \(reason.rawValue): \(n)") }
    }

    /// Writes a line straight to stdout, unbuffered, so status lines reach a pipe or a log file
    /// as they happen.
    func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("sigil run: \(message)\n".utf8))
        Foundation.exit(2)
    }
}

/// Records the first SIGINT or SIGTERM instead of dying on it.
final class StopSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var name: String?
    private var sources: [any DispatchSourceSignal] = []

    init() {
        for (sig, label) in [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [weak self] in self?.set(label) }
            source.resume()
            sources.append(source)
        }
    }

    private func set(_ label: String) {
        lock.lock()
        defer { lock.unlock() }
        if name == nil { name = label }
    }

    var received: String? {
        lock.lock()
        defer { lock.unlock() }
        return name
    }
}
