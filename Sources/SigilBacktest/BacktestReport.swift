public import Foundation

/// Everything a backtest measured: the run, and each detector's figures against the labels.
/// Written as `report.json` (every figure) and `report.html` (self-contained: tables and inline
/// SVG charts, no external assets), with the charts also as `.svg` files.
public struct BacktestReport: Codable, Sendable {
    public struct Run: Codable, Sendable {
        public var recordings: [String]
        public var labels: String?
        public var frames: Int
        public var events: Int
        public var blocks: Int
        public var seconds: Double
        public var alerts: Int
        public var signals: Int
    }

    public var run: Run
    /// Scenarios in the labels, by kind.
    public var scenarios: [String: Int]
    public var detectors: [DetectionScore]
    /// Every alert's block, for the timeline: (strategy, block, on a target scenario).
    public var timeline: [TimelinePoint]
    /// The signal strategies' figures, when the configuration has any.
    public var signals: SignalSection?

    public struct TimelinePoint: Codable, Sendable {
        public var strategy: String
        public var block: UInt64
        public var correct: Bool
    }

    public init(run: Run, labels: ScenarioLabels?, detectors: [DetectionScore], timeline: [TimelinePoint], signals: SignalSection? = nil) {
        self.run = run
        self.signals = signals
        var kinds: [String: Int] = [:]
        for s in labels?.scenarios ?? [] { kinds[s.kind, default: 0] += 1 }
        scenarios = kinds
        self.detectors = detectors
        self.timeline = timeline
    }

    public func json() throws -> Data { try Self.encoder().encode(self) }

    /// How report.json is written: sorted keys; prices come from outside, so a figure they drove
    /// to infinity is written as a string, not a failure.
    public static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return e
    }

    /// Writes report.json, report.html and the charts into `dir` (created if missing).
    public func write(to dir: String) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try json().write(to: URL(fileURLWithPath: dir + "/report.json"))
        try Data(html().utf8).write(to: URL(fileURLWithPath: dir + "/report.html"))
        try Data(scoresChart().utf8).write(to: URL(fileURLWithPath: dir + "/detectors.svg"))
        try Data(timelineChart().utf8).write(to: URL(fileURLWithPath: dir + "/alerts-timeline.svg"))
        if signals != nil {
            try Data(equityChart().utf8).write(to: URL(fileURLWithPath: dir + "/equity.svg"))
            try Data(priceChart().utf8).write(to: URL(fileURLWithPath: dir + "/price-signals.svg"))
        }
    }

    static func fmt(_ x: Double?) -> String { x.map { String(format: "%.3f", $0) } ?? "–" }

    static func esc(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }

    /// Precision, recall and F1 per detector, as grouped bars.
    public func scoresChart() -> String {
        let rowH = 54, width = 700, left = 150, barW = width - left - 130
        let h = 40 + rowH * max(detectors.count, 1)
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(h)\" font-family=\"sans-serif\" font-size=\"12\">"
        svg += "<text x=\"10\" y=\"18\" font-weight=\"bold\">Detectors on the labelled scenarios (precision, recall, F1)</text>"
        let colors = [("precision", "#3b7dd8"), ("recall", "#2a9d5c"), ("F1", "#8a63d2")]
        for (i, d) in detectors.enumerated() {
            let y = 32 + i * rowH
            svg += "<text x=\"10\" y=\"\(y + 26)\">\(Self.esc(d.strategy))</text>"
            for (j, v) in [d.precision, d.recall, d.f1].enumerated() {
                let w = Int(Double(barW) * (v ?? 0))
                svg += "<rect x=\"\(left)\" y=\"\(y + j * 15)\" width=\"\(w)\" height=\"13\" fill=\"\(colors[j].1)\"/>"
                svg += "<text x=\"\(left + w + 4)\" y=\"\(y + j * 15 + 11)\">\(colors[j].0) \(Self.fmt(v))</text>"
            }
        }
        return svg + "</svg>"
    }

    /// Every alert over the blocks of the run, one row per detector: filled when it was on a
    /// scenario it detects, red when not.
    public func timelineChart() -> String {
        let names = detectors.map(\.strategy)
        let width = 760, left = 170, plotW = width - left - 20, rowH = 26
        let h = 50 + rowH * max(names.count, 1)
        let lo = timeline.map(\.block).min() ?? 0, hi = max(timeline.map(\.block).max() ?? 1, lo + 1)
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(h)\" font-family=\"sans-serif\" font-size=\"12\">"
        svg += "<text x=\"10\" y=\"18\" font-weight=\"bold\">Alerts by block (green: on a labelled scenario of its kind; red: false alarm)</text>"
        for (i, n) in names.enumerated() {
            let y = 36 + i * rowH
            svg += "<text x=\"10\" y=\"\(y + 4)\">\(Self.esc(n))</text><line x1=\"\(left)\" y1=\"\(y)\" x2=\"\(left + plotW)\" y2=\"\(y)\" stroke=\"#ddd\"/>"
            for p in timeline where p.strategy == n {
                let x = left + Int(Double(plotW) * Double(p.block - lo) / Double(hi - lo))
                svg += "<circle cx=\"\(x)\" cy=\"\(y)\" r=\"4\" fill=\"\(p.correct ? "#2a9d5c" : "#d62828")\" fill-opacity=\"0.8\"/>"
            }
        }
        let axisY = 36 + names.count * rowH
        svg += "<text x=\"\(left)\" y=\"\(axisY)\">block \(lo)</text><text x=\"\(left + plotW - 70)\" y=\"\(axisY)\">block \(hi)</text>"
        return svg + "</svg>"
    }

    public func html() -> String {
        var s = "<!doctype html><html><head><meta charset=\"utf-8\"><title>Sigil backtest</title><style>"
        s += "body{font-family:sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse;margin:1em 0}"
        s += "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th{background:#f3f3f3}td.l,th.l{text-align:left}"
        s += "code{font-size:90%}</style></head><body><h1>Sigil backtest</h1>"
        s += "<p>Recordings: \(run.recordings.map { "<code>\(Self.esc($0))</code>" }.joined(separator: ", "))"
        s += run.labels.map { "; labels: <code>\(Self.esc($0))</code>" } ?? "; no labels"
        s += ". \(run.frames) frames, \(run.events) events, \(run.blocks) blocks in \(String(format: "%.1f", run.seconds)) s; "
        s += "\(run.alerts) alerts, \(run.signals) signals.</p>"
        if !scenarios.isEmpty {
            s += "<p>Scenarios: " + scenarios.sorted { $0.key < $1.key }.map { "\(Self.esc($0.key)) \($0.value)" }.joined(separator: ", ") + "</p>"
        }
        s += "<h2>Detectors</h2><table><tr><th class=l>strategy</th><th class=l>plugin</th><th class=l>detects</th><th>scenarios</th><th>found</th>"
        s += "<th>alerts</th><th>false alarms</th><th>precision</th><th>recall</th><th>F1</th><th>responsible named</th><th>false alarms / 10k events</th></tr>"
        for d in detectors {
            s += "<tr><td class=l>\(Self.esc(d.strategy))</td><td class=l>\(Self.esc(d.plugin))</td><td class=l>\(Self.esc(d.detects.joined(separator: ", ")))</td>"
            s += "<td>\(d.scenarios)</td><td>\(d.found)</td><td>\(d.alerts)</td><td>\(d.falsePositives)</td><td>\(Self.fmt(d.precision))</td>"
            s += "<td>\(Self.fmt(d.recall))</td><td>\(Self.fmt(d.f1))</td><td>\(d.responsibleCorrect)/\(d.responsibleChecked)</td>"
            s += "<td>\(String(format: "%.2f", d.falseAlarmsPer10kEvents))</td></tr>"
        }
        s += "</table>" + scoresChart() + timelineChart()
        s += "<h2>Hard negatives</h2><table><tr><th class=l>strategy</th><th class=l>hard negative</th><th>scenarios</th><th>alerted</th></tr>"
        for d in detectors {
            for (k, v) in d.hardNegatives.sorted(by: { $0.key < $1.key }) {
                s += "<tr><td class=l>\(Self.esc(d.strategy))</td><td class=l>\(Self.esc(k))</td><td>\(v.scenarios)</td><td>\(v.alerted)</td></tr>"
            }
        }
        s += "</table><h2>Misses, false alarms and wrong accounts</h2>"
        if detectors.allSatisfy({ $0.misses.isEmpty && $0.falseAlarms.isEmpty && $0.wrongAccounts.isEmpty }) { s += "<p>None.</p>" }
        for d in detectors where !(d.misses.isEmpty && d.falseAlarms.isEmpty && d.wrongAccounts.isEmpty) {
            s += "<h3>\(Self.esc(d.strategy))</h3><ul>"
            for m in d.misses {
                s += "<li>missed <b>\(Self.esc(m.scenario))</b> on pool <code>\(Self.esc(m.pool))</code>, blocks \(Self.esc(m.blocks)): "
                s += m.transactions.map { "<code>\(Self.esc($0))</code>" }.joined(separator: " ") + "</li>"
            }
            for f in d.falseAlarms {
                s += "<li id=\"\(Self.esc(f.alertKey))\">false alarm <code>\(Self.esc(f.alertId))</code> at block \(f.block) on <code>\(Self.esc(f.pool))</code>"
                s += (f.scenario.map { " (on \(Self.esc($0)))" } ?? "") + ", transaction <code>\(Self.esc(f.transaction))</code>: \(Self.esc(f.description))</li>"
            }
            for w in d.wrongAccounts {
                s += "<li>on <b>\(Self.esc(w.scenario))</b> named <code>\(Self.esc(w.named))</code>, not <code>\(Self.esc(w.expected))</code></li>"
            }
            s += "</ul>"
        }
        s += "<h2>Detections and their evidence</h2><table><tr><th class=l>strategy</th><th class=l>scenario</th><th>block</th>"
        s += "<th class=l>responsible</th><th class=l>transaction</th><th class=l>alert</th></tr>"
        for d in detectors {
            for x in d.detections {
                s += "<tr id=\"\(Self.esc(x.alertKey))\"><td class=l>\(Self.esc(d.strategy))</td><td class=l>\(Self.esc(x.scenario))</td><td>\(x.block)</td>"
                s += "<td class=l><code>\(Self.esc(x.responsible))</code></td><td class=l><code>\(Self.esc(x.transaction))</code></td>"
                s += "<td class=l>\(Self.esc(x.alertId)): \(Self.esc(x.description))</td></tr>"
            }
        }
        return s + "</table>" + signalsHTML() + "<p>Every alert's full evidence (metadata) is in <code>outputs.jsonl</code> beside this report, under its key (the row's id).</p></body></html>\n"
    }
}
