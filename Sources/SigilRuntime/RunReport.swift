import Foundation

/// The end-of-run report's per-strategy table and portfolio line, from a run's summary: what the
/// bot found and did, strategy by strategy, and how the paper trades compare with holding.
public enum RunReport {
    /// One row per configured strategy (in configuration order, those that said nothing too):
    /// its alerts, its signals by side, and the signals the risk gate vetoed.
    public static func strategyTable(_ summary: ReplayRun.Summary, strategies: [SigilConfig.Strategy]) -> [String] {
        guard !strategies.isEmpty else { return [] }
        func count(_ strategy: String, _ kind: String, _ detail: String? = nil) -> Int {
            summary.outputsBy.reduce(0) { n, e in
                e.key.strategy == strategy && e.key.kind == kind && (detail == nil || e.key.detail == detail) ? n + e.value : n
            }
        }
        let nameWidth = max(8, strategies.map(\.name.count).max() ?? 0), pluginWidth = max(6, strategies.map(\.plugin.count).max() ?? 0)
        func pad(_ s: String, _ w: Int) -> String { s + String(repeating: " ", count: max(0, w - s.count)) }
        func right(_ n: Int, _ w: Int) -> String { let s = String(n); return String(repeating: " ", count: max(0, w - s.count)) + s }
        var lines = ["  " + pad("strategy", nameWidth) + "  " + pad("plugin", pluginWidth) + "  alerts     buy    sell  vetoed"]
        for s in strategies {
            lines.append("  " + pad(s.name, nameWidth) + "  " + pad(s.plugin, pluginWidth) + "  " + right(count(s.name, "alert"), 6)
                         + "  " + right(count(s.name, "signal", "buy"), 6) + "  " + right(count(s.name, "signal", "sell"), 6)
                         + "  " + right(count(s.name, "vetoed"), 6))
        }
        return lines
    }

    /// `paper portfolio: 283 fills, equity 106491.25 (PnL +6491.25, +6.49%); buy-and-hold of
    /// the 7 tokens priced against cash: -12.34%`.
    public static func portfolioLine(_ p: PortfolioFigures) -> String {
        var line = String(format: "  paper portfolio: %d fills, equity %.2f (PnL %+.2f, %+.2f%%)", p.fills, p.equity, p.pnl,
                          100 * p.pnl / max(p.initial, 1e-9))
        if let hold = p.buyAndHold {
            line += "; buy-and-hold of the \(p.tokensPriced) token\(p.tokensPriced == 1 ? "" : "s") priced against cash: "
                + String(format: "%+.2f%%", 100 * hold)
        }
        return line
    }
}
