import Foundation

extension BacktestReport {
    static let curveColors = ["#555555", "#d62828", "#3b7dd8", "#2a9d5c", "#8a63d2", "#e76f51", "#264653", "#f4a261"]

    /// A line chart of several series over blocks, in SVG.
    static func lineChart(title: String, series: [(name: String, points: [PriceTape.Point], color: String)],
                          marks: [(block: UInt64, value: Double, up: Bool)] = [], logScale: Bool = false) -> String {
        let width = 760, height = 320, left = 70, right = 190, top = 30, bottom = 30
        let plotW = Double(width - left - right), plotH = Double(height - top - bottom)
        let all = series.flatMap(\.points)
        func y(_ v: Double) -> Double { logScale ? log(max(v, 1e-300)) : v }
        let lo = all.map(\.block).min() ?? 0, hi = max(all.map(\.block).max() ?? 1, lo + 1)
        let vals = all.map { y($0.price) }.filter(\.isFinite)
        var vlo = vals.min() ?? 0, vhi = vals.max() ?? 1
        if vhi - vlo < 1e-12 { vlo -= 0.5; vhi += 0.5 }
        func px(_ b: UInt64) -> Double { Double(left) + plotW * Double(b - lo) / Double(hi - lo) }
        func py(_ v: Double) -> Double { Double(top) + plotH * (1 - (y(v) - vlo) / (vhi - vlo)) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" font-family=\"sans-serif\" font-size=\"12\">"
        svg += "<text x=\"10\" y=\"18\" font-weight=\"bold\">\(esc(title))</text>"
        svg += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(Int(plotW))\" height=\"\(Int(plotH))\" fill=\"none\" stroke=\"#ccc\"/>"
        let top1 = logScale ? exp(vhi) : vhi, bottom1 = logScale ? exp(vlo) : vlo
        svg += "<text x=\"4\" y=\"\(top + 10)\">\(String(format: "%.4g", top1))</text>"
        svg += "<text x=\"4\" y=\"\(height - bottom)\">\(String(format: "%.4g", bottom1))</text>"
        svg += "<text x=\"\(left)\" y=\"\(height - 8)\">block \(lo)</text><text x=\"\(left + Int(plotW) - 70)\" y=\"\(height - 8)\">block \(hi)</text>"
        for (i, s) in series.enumerated() {
            let pts = s.points.filter { y($0.price).isFinite }.map { String(format: "%.1f,%.1f", px($0.block), py($0.price)) }
            if !pts.isEmpty {
                svg += "<polyline fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"1.5\" points=\"\(pts.joined(separator: " "))\"/>"
            }
            svg += "<rect x=\"\(width - right + 10)\" y=\"\(top + i * 18)\" width=\"12\" height=\"3\" fill=\"\(s.color)\"/>"
            svg += "<text x=\"\(width - right + 28)\" y=\"\(top + i * 18 + 5)\">\(esc(s.name))</text>"
        }
        for m in marks where y(m.value).isFinite {
            let (x, yy) = (px(m.block), py(m.value))
            let tri = m.up ? String(format: "%.1f,%.1f %.1f,%.1f %.1f,%.1f", x, yy + 2, x - 4, yy + 9, x + 4, yy + 9)
                           : String(format: "%.1f,%.1f %.1f,%.1f %.1f,%.1f", x, yy - 2, x - 4, yy - 9, x + 4, yy - 9)
            svg += "<polygon points=\"\(tri)\" fill=\"\(m.up ? "#2a9d5c" : "#d62828")\"/>"
        }
        if !marks.isEmpty {
            let n = series.count
            svg += "<polygon points=\"\(width - right + 16),\(top + n * 18 - 4) \(width - right + 12),\(top + n * 18 + 3) \(width - right + 20),\(top + n * 18 + 3)\" fill=\"#2a9d5c\"/>"
            svg += "<text x=\"\(width - right + 28)\" y=\"\(top + n * 18 + 3)\">buy</text>"
            svg += "<polygon points=\"\(width - right + 16),\(top + n * 18 + 22) \(width - right + 12),\(top + n * 18 + 15) \(width - right + 20),\(top + n * 18 + 15)\" fill=\"#d62828\"/>"
            svg += "<text x=\"\(width - right + 28)\" y=\"\(top + n * 18 + 22)\">sell</text>"
        }
        return svg + "</svg>"
    }

    /// Equity of every signal strategy and buy-and-hold over the test period.
    public func equityChart() -> String {
        guard let s = signals else { return "" }
        let series = s.strategies.enumerated().map { i, f in (name: f.strategy, points: f.equity, color: Self.curveColors[i % Self.curveColors.count]) }
        return Self.lineChart(title: "Equity over the test period (1 = start; after fees)", series: series)
    }

    /// The busiest pool's price with the (walk-forward) model's executed signals marked.
    public func priceChart() -> String {
        guard let s = signals else { return "" }
        let who = s.folds.isEmpty ? "signals" : "walk-forward model's signals"
        return Self.lineChart(title: "Pool \(s.pricePool.prefix(10))… price (token1 per token0) with the \(who)",
                              series: [(name: "price", points: s.price, color: "#555555")],
                              marks: s.marks.map { ($0.block, $0.price, $0.side == "buy") }, logScale: true)
    }

    func signalsHTML() -> String {
        guard let sec = signals else { return "" }
        func pct(_ x: Double?) -> String { x.map { String(format: "%+.2f%%", $0 * 100) } ?? "–" }
        var s = "<h2>Signal strategies, out of sample</h2>"
        s += "<p>Test period: blocks \(sec.testFrom)–\(sec.testUntil - 1). Each strategy trades the same \(sec.pools.count) pool(s) on paper "
        s += "(\(sec.pools.map { "<code>\(Self.esc($0))</code>" }.joined(separator: ", "))): one equal sleeve per pool, long token0 after an "
        s += "executed buy, flat after a sell; vetoed signals move nothing; every entry and exit pays the pool's fee. Hit rate: the price "
        s += "\(sec.horizonBlocks) blocks after the signal moved its way. Sharpe annualised with one block counted as one hour (one hourly price bar per block).</p>"
        if !sec.folds.isEmpty {
            s += "<p>Walk-forward: the model is retrained before each fold on the events of earlier blocks only, then the whole configuration "
            s += "is run again and the fold's signals kept.</p><table><tr><th>fold</th><th>trained on blocks before</th><th>tested on blocks</th>"
            s += "<th class=l>model</th><th>training rows</th><th>validation accuracy</th><th>always-up</th><th class=l>weights (sha-256)</th></tr>"
            for f in sec.folds {
                for (id, m) in f.models.sorted(by: { $0.key < $1.key }) {
                    s += "<tr><td>\(f.index)</td><td>\(f.trainedBefore)</td><td>\(f.testFrom)–\(f.testUntil - 1)</td><td class=l>\(Self.esc(id))</td>"
                    s += "<td>\(m.trainingRows)</td><td>\(Self.fmt(m.validationAccuracy))</td><td>\(Self.fmt(m.validationBaseRate))</td>"
                    s += "<td class=l><code>\(Self.esc(String(m.weights.prefix(18))))…</code></td></tr>"
                }
            }
            s += "</table>"
        }
        s += "<table><tr><th class=l>strategy</th><th class=l>role</th><th>signals</th><th>executed</th><th>hit rate</th><th>PnL</th>"
        s += "<th>Sharpe</th><th>max drawdown</th><th>turnover</th></tr>"
        for f in sec.strategies {
            s += "<tr><td class=l>\(Self.esc(f.strategy))</td><td class=l>\(Self.esc(f.role))</td><td>\(f.signals)</td><td>\(f.executed)</td>"
            s += "<td>\(f.hitRate.map { String(format: "%.3f (%d/%d)", $0, f.hits, f.judged) } ?? "–")</td><td>\(pct(f.pnl))</td>"
            s += "<td>\(f.sharpe.map { String(format: "%.2f", $0) } ?? "–")</td><td>\(pct(-f.maxDrawdown))</td><td>\(String(format: "%.1f×", f.turnover))</td></tr>"
        }
        s += "</table><p>A registered model runs with the weights the registry verified; when those were trained on the same recording it is "
        s += "in sample, and only the walk-forward row is out of sample.</p>"
        return s + equityChart() + priceChart()
    }
}
