import Foundation

/// How one signal strategy (or buy-and-hold) did over a backtest's test period, traded on paper
/// over every pool of the universe: one equal sleeve per pool, long token0 (priced in token1)
/// after an executed buy, flat after an executed sell; vetoed signals move nothing; every entry
/// and exit pays the pool's fee.
public struct SignalFigures: Codable, Sendable {
    public var strategy: String
    /// `walk-forward model`, `registered model`, `baseline` or `buy-and-hold`.
    public var role: String
    /// Signals on the universe's pools within the test period, and how many the risk gate let through.
    public var signals: Int
    public var executed: Int
    /// Executed signals whose direction the price `horizon` blocks later agreed with, of those judged.
    public var hits: Int
    public var judged: Int
    public var hitRate: Double?
    /// Return over the test period after fees (0.05 = +5%).
    public var pnl: Double
    /// Annualised from per-step returns, one block counted as one hour (the recordings drive one
    /// hourly price bar per market block); nil when returns do not vary.
    public var sharpe: Double?
    /// Largest fall of equity from a previous peak (0.1 = 10%).
    public var maxDrawdown: Double
    /// Capital traded over the period, in multiples of the portfolio.
    public var turnover: Double
    /// Equity (1 at the start) by block, at most `SignalEvaluation.curvePoints` points.
    public var equity: [PriceTape.Point]
}
