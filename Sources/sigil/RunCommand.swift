import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals
import SigilBundle
import SigilChain
import SigilCore
import SigilFeeds
import SigilModels
import SigilMonitor
import SigilRuntime

/// `sigil run [CONFIG]`: load the configuration strictly, verify every model, run the feeds
/// through the strategies and persist every output.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the bot: verify models, run the strategies on the feeds, persist every output.",
        discussion: "On a replay feed the run ends at the end of the recording with a summary. SIGINT or SIGTERM stops it gracefully. "
            + "SIGHUP reads the configuration again and applies the parameters their plugins mark reloadable (`sigil config plugins`); "
            + "anything else that changed is reported as needing a restart."
    )

    @Argument(help: "The configuration file.")
    var config: String = "strategies.yaml"

    @Option(help: "Live feeds: stop once every feed has closed this block.")
    var stopAtBlock: UInt64?

    @Option(help: "Live feeds: seconds between status lines (0: none, only the summary at the end).")
    var statusEvery: Double = 10

    @Option(help: "human (default) or json: status lines, the summary and log messages as one JSON object per line.")
    var logFormat: LogFormat = .human

    @Flag(help: "Replay feeds: once the replay ends, keep serving metrics and delivering notifications until SIGINT/SIGTERM.")
    var keepServing = false

    @Option(help: "Replay feeds: close at most this many blocks a second, committing each item as a live feed's (to watch the dashboard).")
    var pace: Double?

    func validate() throws {
        if let pace, !(pace.isFinite && (0.1...1_000_000).contains(pace)) {
            throw ValidationError("--pace takes blocks a second from 0.1 to 1000000, not \(pace)")
        }
        guard statusEvery.isFinite, (0...86_400).contains(statusEvery) else {
            throw ValidationError("--status-every takes seconds from 0 (no status lines) to 86400, not \(statusEvery)")
        }
    }

    enum LogFormat: String, ExpressibleByArgument, CaseIterable { case human, json }

    /// Live feeds catching up, drawn on a terminal's stderr (cleared before every line printed).
    static let backfill = BackfillBar()

    /// Whether `say` writes JSON lines (set once, before the run starts).
    static let jsonLines = Atomic<Bool>(false)

    func run() async throws {
        let start = ContinuousClock.now
        if logFormat == .json {
            Self.jsonLines.store(true, ordering: .relaxed)
            LoggingSystem.bootstrap { JSONLogHandler(label: $0) }
        }
        let cfg: SigilConfig
        do { cfg = try ConfigLoader.load(path: config, components: .bundled) } catch { throw fail("\(error)") }
        let (gate, enabled) = try await Self.verifyModels(cfg, command: "run")

        var logger = Logger(label: "sigil")
        logger.logLevel = .warning
        let live = cfg.feeds.contains(where: \.isLive)
        if pace != nil, live { throw fail("--pace is for replays (a live feed goes at the chain's pace)") }
        if keepServing, live {
            throw fail("--keep-serving is for replays (a live run serves metrics and notifies while it runs)")
        }
        var metrics: RunMetrics?
        var servers: [any Service] = []
        // --keep-serving without a 'metrics:' address serves the dashboard on loopback, on a free port.
        let served = cfg.metrics ?? (keepServing ? SigilConfig.Metrics(host: "127.0.0.1", port: 0) : nil)
        let dashboardURL = SharedValue<String?>(nil)
        if let m = served {
            do { try await MetricsServer.checkListenable(host: m.host, port: m.port) } catch { throw fail("\(error)") }
            let (registry, factory) = MetricsServer.makeFactory()
            let runMetrics = RunMetrics(factory: factory)
            runMetrics.expect(feeds: enabled.feeds.map(\.name))
            for (id, model) in gate.verified.sorted(by: { $0.key < $1.key }) {
                runMetrics.modelRunning(id, version: model.reference.version, sha256: model.reference.weightsHash.description)
            }
            metrics = runMetrics
            let host = m.host
            servers.append(MetricsServer.application(registry: registry, status: { runMetrics.status }, dashboard: runMetrics.dashboard,
                                                     host: m.host, port: m.port, logger: logger) { port in
                Self.say("metrics on http://\(host):\(port)/metrics")
                Self.say("dashboard on http://\(host):\(port)/")
                dashboardURL.set("http://\(host):\(port)/")
            })
        }
        let feeds = cfg.feeds.count, models = gate.verified.count
        let announce: @Sendable (Int, Int) -> Void = { strategies, rebuilt in
            let ready = (ContinuousClock.now - start).components
            Self.say("ready in \(ready.seconds * 1000 + ready.attoseconds / 1_000_000_000_000_000) ms: \(feeds) feed(s), "
                     + "\(strategies) strateg\(strategies == 1 ? "y" : "ies"), \(models) verified model(s)"
                     + (rebuilt > 0 ? ", state rebuilt from \(rebuilt) journaled events" : ""))
        }
        let notified = NotificationSender.Stats()
        if !enabled.notifications.isEmpty {
            servers.append(NotificationSender(sqlitePath: enabled.outputs.sqlite, sinks: enabled.notifications, logger: logger,
                                              metrics: metrics, stats: notified))
        }
        defer { Self.report(notified, sinks: enabled.notifications) }
        // SIGHUP reads the file again; strategies the model gate disabled at start stay disabled.
        let path = config
        let reloader = ConfigReloader(path: config, load: { gate.enabled(in: try ConfigLoader.load(path: path, components: .bundled)) },
                                      notice: { Self.say($0) })
        servers.append(HangupWatcher(reloader: reloader))
        if live {
            let box = LiveService.OutcomeBox()
            // A terminal gets a bar while feeds backfill; JSON lines and logs get none.
            var progress: (@Sendable ([FeedHealth.Snapshot]) -> Void)?
            if Self.backfill.enabled, logFormat == .human { progress = { Self.backfill.show($0) } }
            let service = LiveService(config: enabled, models: gate.verified, logger: logger, stopAtBlock: stopAtBlock,
                                      statusInterval: statusEvery > 0 ? .seconds(statusEvery) : nil, outcome: box, onReady: announce,
                                      onModel: { Self.say($0) }, metrics: metrics, reloader: reloader,
                                      progress: progress) { st in
                Self.say(String(format: "[%6.1fs] events %d  outputs %d  block %llu", st.summary.seconds, st.summary.events,
                                st.summary.outputs, st.summary.lastBlock))
                for f in st.feeds { Self.say("  " + Self.describe(f)) }
            }
            try await runGroup(service, servers: servers, logger)
            Self.backfill.clear()
            guard let outcome = box.outcome else { throw fail("the run ended without a result") }
            report(outcome.summary, portfolio: outcome.portfolio, live: true)
            for f in outcome.feeds { Self.say("  " + Self.describe(f)) }
            Self.say("  retracted by reorgs: \(outcome.summary.retractions) events, \(outcome.summary.retractedOutputs) outputs; gaps: \(outcome.summary.gaps)")
            return
        }
        let box = ReplayService.OutcomeBox()
        let keep = keepServing
        let service = ReplayService(config: enabled, models: gate.verified, outcome: box, onReady: { announce($0, 0) }, metrics: metrics, pace: pace, reloader: reloader,
                                    onDone: {
                                        guard keep else { return }
                                        let url = dashboardURL.get() ?? "(not listening)"
                                        Self.say("replay done; dashboard on \(url), metrics and notifications until SIGINT or SIGTERM")
                                    }) { s in
            Self.say(String(format: "[%6.1fs] block %llu  frames %d  events %d  outputs %d", s.seconds, s.lastBlock, s.frames, s.events, s.outputs))
        }
        try await runGroup(service, servers: servers, keepServing: keepServing, logger)
        guard let outcome = box.outcome else { throw fail("the run ended without a result") }
        if outcome.summary.stoppedEarly { Self.say("stopped by a shutdown signal; everything processed so far is stored") }
        report(outcome.summary, portfolio: outcome.portfolio)
    }

    func runGroup(_ service: some Service, servers: [any Service] = [], keepServing: Bool = false, _ logger: Logger) async throws {
        do { try await Self.runUntilDone(service, servers: servers, keepServing: keepServing, logger) } catch { throw fail("\(error)") }
    }

    /// Verifies every model of `cfg` (refusing to start, exit 2, when a required one fails) and
    /// returns the gate's outcome with the configuration of the strategies left enabled.
    static func verifyModels(_ cfg: SigilConfig, command: String) async throws -> (ModelGate.Outcome, SigilConfig) {
        let gate: ModelGate.Outcome
        do { gate = try await ModelGate.check(cfg) } catch {
            complain("error", "sigil \(command): refusing to start: \(error)")
            throw ExitCode(2)
        }
        for (name, reason) in gate.disabled.sorted(by: { $0.key < $1.key }) {
            complain("warning", "sigil \(command): WARNING strategy \(name) is disabled: \(reason)")
        }
        return (gate, gate.enabled(in: cfg))
    }

    /// Runs one service (with `servers` beside it) until it ends, or until SIGINT/SIGTERM shuts
    /// it down gracefully; with `keepServing`, the servers go on after it ends, until a signal.
    static func runUntilDone(_ service: some Service, servers: [any Service] = [], keepServing: Bool = false, _ logger: Logger) async throws {
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: keepServing ? ServingAfterDone(inner: service) as any Service : service,
                             successTerminationBehavior: .gracefullyShutdownGroup)]
                + servers.map { .init(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
        let clock = ShutdownSignalClock()
        let watcher = Task { await clock.watch() }
        defer { watcher.cancel() }
        try await group.run()
        if let line = clock.stoppedLine() { say(line) }
    }

    /// One line on a live feed's health.
    static func describe(_ f: FeedHealth.Snapshot) -> String {
        let reasons = f.rejected.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", ")
        return "feed \(f.feed): \(f.state.rawValue), head \(f.head), closed \(f.delivered) (lag \(f.lag)), reconnects \(f.reconnects), "
            + "rewinds \(f.rewinds), delivered \(f.events), rejected \(f.rejectedTotal)\(reasons.isEmpty ? "" : " (\(reasons))"), slowdowns \(f.slowdowns)"
            + (f.tokensFollowed + f.tokensOverLimit > 0 ? ", tokens \(f.tokensFollowed)\(f.tokensOverLimit > 0 ? " (\(f.tokensOverLimit) over the limit)" : "")" : "")
            + (f.lastError.map { "; last error: \(TerminalText.escaped($0))" } ?? "")
    }

    func report(_ summary: ReplayRun.Summary, portfolio: PortfolioFigures?, live: Bool = false) {
        let loaded = try? ConfigLoader.load(path: config, components: .bundled)
        let cfg = loaded?.outputs
        if live {
            Self.say("summary: \(summary.events) events, \(summary.heads) blocks closed")
            Self.say("  latency, frame arrived → outputs committed: \(summary.frameToCommit.description); commits: \(summary.commits.description)")
        } else {
            Self.say("summary: \(summary.frames) frames, \(summary.events) events, \(summary.retractions) retractions, "
                     + "\(summary.rejected.values.reduce(0, +)) rejected frames")
        }
        let alerts = summary.alertsBySeverity.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        Self.say("  alerts: \(summary.alertsBySeverity.values.reduce(0, +))\(alerts.isEmpty ? "" : " (\(alerts))"); "
                 + "signals: \(summary.signals["buy"] ?? 0) buy, \(summary.signals["sell"] ?? 0) sell, \(summary.vetoed) vetoed")
        for line in RunReport.strategyTable(summary, strategies: loaded?.strategies ?? []) { Self.say(line) }
        if let p = portfolio { Self.say(RunReport.portfolioLine(p)) }
        Self.say("  new outputs stored: \(summary.newOutputs) of \(summary.outputs)")
        if summary.simulations > 0 { Self.say("  simulations answered (eth_call): \(summary.simulations)") }
        if summary.simulationsDropped > 0 {
            Self.say("  simulation requests not run: \(summary.simulationsDropped) (no 'simulation:' configured, or a replay)")
        }
        if let cfg { Self.say("  outputs: \(cfg.sqlite), \(cfg.jsonl)") }
        for (reason, n) in summary.rejected.sorted(by: { $0.key.rawValue < $1.key.rawValue }) { Self.say("  rejected \(reason.rawValue): \(n)") }
    }

    /// One line per notification sink: what this run delivered and what waits.
    static func report(_ stats: NotificationSender.Stats, sinks: [SigilConfig.NotificationSink]) {
        let counts = stats.counts
        for sink in sinks {
            let c = counts[sink.name] ?? .init()
            say("  notifications \(sink.name) (\(sink.kind.rawValue) \(sink.shownURL)): \(c.delivered) delivered, \(c.retried) retried, "
                + "\(c.failed) refused, \(c.waiting) waiting for the next run\(c.dropped > 0 ? ", \(c.dropped) dropped (queue full)" : "")")
        }
    }

    /// Writes a line straight to stdout, unbuffered, so status lines reach a pipe or a log file
    /// as they happen.
    static func say(_ line: String) {
        backfill.clear()
        let text = jsonLines.load(ordering: .relaxed) ? JSONLogHandler.line(level: "info", label: "sigil", message: line) : line
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    /// Says why the run cannot go on; the caller throws the exit code (2).
    /// Writes a line to stderr, as JSON with `--log-format json`.
    static func complain(_ level: String, _ line: String) {
        backfill.clear()
        let text = jsonLines.load(ordering: .relaxed) ? JSONLogHandler.line(level: level, label: "sigil", message: line) : line
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    func fail(_ message: String) -> ExitCode {
        Self.complain("error", "sigil run: \(message)")
        return ExitCode(2)
    }
}
