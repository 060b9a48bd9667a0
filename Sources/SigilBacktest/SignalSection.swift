import Foundation
import SigilCore

/// The signal strategies' part of a backtest: the test period, the universe of pools, the
/// walk-forward folds, each strategy's figures beside buy-and-hold, and one pool's price with
/// the walk-forward model's executed signals marked.
public struct SignalSection: Codable, Sendable {
    public struct Mark: Codable, Sendable {
        public var block: UInt64
        public var price: Double
        public var side: String
        public var strategy: String
    }

    public var testFrom: UInt64
    public var testUntil: UInt64
    public var horizonBlocks: UInt64
    public var pools: [String]
    public var folds: [WalkForward.Fold]
    public var strategies: [SignalFigures]
    /// The busiest pool of the universe, whose price is charted.
    public var pricePool: String
    public var price: [PriceTape.Point]
    public var marks: [Mark]

    static let maxMarks = 600

    /// Evaluates every strategy that does not detect fraud: model strategies twice (as run
    /// with their registered model, and walk-forward when `walkForward` holds their fold
    /// signals), the rest as baselines; buy-and-hold first.
    static func make(config: BacktestSubject, tape: PriceTape, signals: [SignalRecord], walkForward: (folds: [WalkForward.Fold], signals: [SignalRecord]),
                     testFrom: UInt64, testUntil: UInt64) -> SignalSection? {
        guard !config.signalStrategies.isEmpty, let eval = SignalEvaluation(tape: tape.series, start: testFrom, end: testUntil) else { return nil }
        var rows = [eval.buyAndHold()]
        for s in config.signalStrategies {
            let mine = signals.filter { $0.strategy == s.name }
            if s.usesModels {
                if !walkForward.folds.isEmpty {
                    rows.append(eval.evaluate(strategy: s.name + " (walk-forward)", role: "walk-forward model",
                                              signals: walkForward.signals.filter { $0.strategy == s.name }))
                }
                rows.append(eval.evaluate(strategy: s.name, role: "registered model", signals: mine))
            } else {
                rows.append(eval.evaluate(strategy: s.name, role: "baseline", signals: mine))
            }
        }
        let pool = eval.pools[0].description.lowercased()
        let curve = eval.priceCurve(pool: 0)
        let marked = walkForward.folds.isEmpty ? signals : walkForward.signals
        let marks = marked.filter { !$0.vetoed && $0.pool == pool && $0.block >= testFrom && $0.block < testUntil }.prefix(maxMarks).map { s in
            Mark(block: s.block, price: eval.price(0, asOf: s.block) ?? 0, side: s.side, strategy: s.strategy)
        }
        return SignalSection(testFrom: testFrom, testUntil: testUntil, horizonBlocks: eval.horizon, pools: eval.pools.map { "\($0)".lowercased() },
                             folds: walkForward.folds, strategies: rows, pricePool: pool, price: curve, marks: Array(marks))
    }
}

/// What the report needs to know of the configuration's signal strategies.
struct BacktestSubject {
    struct Strategy {
        var name: String
        var usesModels: Bool
    }
    var signalStrategies: [Strategy]
}
