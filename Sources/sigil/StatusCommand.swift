import ArgumentParser
import Foundation
import SigilBundle
import SigilCore
import SigilMonitor
import SigilRuntime

/// `sigil status [CONFIG] [--url URL] [--json]`: how a running bot is doing, from its HTTP API.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Ask a running bot (the address in its 'metrics:') for its feeds, totals, models and portfolio.",
        discussion: "Exit status: 0, or 2 when no bot answers there or the answer is not a Sigil status."
    )

    @Argument(help: "The running bot's configuration (its 'metrics:' names the address).")
    var config: String?

    @Option(help: "The bot's HTTP address instead, e.g. http://127.0.0.1:9464.")
    var url: String?

    @Flag(help: "Print the status as JSON.")
    var json = false

    func validate() throws {
        if config != nil, url != nil { throw ValidationError("give a configuration or --url, not both") }
        if let url, !(url.hasPrefix("http://") || url.hasPrefix("https://")) { throw ValidationError("--url \(url) is not an http(s) URL") }
    }

    func run() async throws {
        var base = url ?? "http://127.0.0.1:9464"
        if let config {
            let cfg: SigilConfig
            do { cfg = try ConfigLoader.load(path: config, components: .bundled) } catch { throw fail("\(error)") }
            guard let m = cfg.metrics, m.port != 0 else {
                throw fail("\(config) has no 'metrics:' with a fixed port: give --url with the address the bot announced")
            }
            base = "http://\(m.host.contains(":") ? "[\(m.host)]" : m.host):\(m.port)"
        }
        let s: RunStatus
        do { s = try await StatusClient.fetch(base) } catch { throw fail("\(error)") }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(s), as: UTF8.self))
            return
        }
        for line in Self.lines(s, at: base) { print(line) }
    }

    /// The status as an operator reads it (every text from the bot escaped).
    static func lines(_ s: RunStatus, at base: String) -> [String] {
        func e(_ t: String) -> String { TerminalText.escaped(t.prefix(300)) }
        var out = [String(format: "bot at %@: status from %.1f s ago, %.0f s after it started", e(base),
                          max(0, Date().timeIntervalSince1970 - s.takenAt), max(0, s.takenAt - s.startedAt))]
        out.append("events \(s.events)  outputs \(s.outputs)  block \(s.lastBlock)")
        let alerts = s.alerts.sorted { $0.key < $1.key }.map { "\($0.value) \(e($0.key))" }.joined(separator: ", ")
        out.append("alerts: \(s.alerts.values.reduce(0, +))\(alerts.isEmpty ? "" : " (\(alerts))"); "
                   + "signals: \(s.signals["buy"] ?? 0) buy, \(s.signals["sell"] ?? 0) sell, \(s.vetoed) vetoed")
        for f in s.feeds {
            let rejected = f.rejected.values.reduce(0, +)
            out.append("feed \(e(f.name)): \(e(f.state)), head \(f.head), closed \(f.closed) (lag \(f.lag)), reconnects \(f.reconnects), "
                       + "rewinds \(f.rewinds), delivered \(f.delivered), rejected \(rejected), slowdowns \(f.slowdowns)"
                       + (f.lastError.map { "; last error: \(e($0))" } ?? ""))
        }
        for m in s.models { out.append("model \(e(m.id)): version \(m.version), sha256 \(e(m.sha256))") }
        if let p = s.portfolio { out.append(String(format: "paper portfolio: %d fills, equity %.2f (PnL %+.2f)", p.fills, p.equity, p.pnl)) }
        if let w = s.queueWaiting, let c = s.queueCapacity { out.append("queue: \(w) of \(c) waiting") }
        return out
    }

    func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("sigil status: \(TerminalText.escaped(message))\n".utf8))
        return ExitCode(2)
    }
}
