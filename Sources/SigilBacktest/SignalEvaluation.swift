import Foundation
public import SigilCore

/// Signals against prices: the universe of pools, the common price grid of a test period, and
/// each strategy's figures on it (`SignalFigures`).
public struct SignalEvaluation: Sendable {
    /// The pools traded: those with a price at the period's start and prices to its last
    /// quarter, the busiest first, at most `maxPools`.
    public let pools: [Address]
    /// Blocks of the grid (every block some universe pool's price changed in, thinned to at most
    /// `maxSteps`), first = the period's start.
    public let grid: [UInt64]
    /// prices[p][t]: pool p's price as of the end of grid block t.
    let prices: [[Double]]
    let fees: [Double]
    let series: [[PriceTape.Point]]
    /// Blocks ahead at which a signal's direction is judged.
    public let horizon: UInt64

    public static let maxPools = 32
    public static let maxSteps = 200_000
    public static let curvePoints = 400

    /// The test period is blocks `start..<end`.
    public init?(tape: [Address: PriceTape.Series], start: UInt64, end: UInt64, horizon: UInt64 = 10) {
        guard end > start else { return nil }
        let lastQuarter = start + (end - start) / 4 * 3  // end > start: no overflow
        var chosen: [(Address, Int)] = []
        for (a, s) in tape {
            guard let first = s.points.first, first.block <= start, s.points.contains(where: { $0.block >= lastQuarter && $0.block < end })
            else { continue }
            chosen.append((a, s.points.count { $0.block >= start && $0.block < end }))
        }
        chosen.sort { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0.description < $1.0.description }
        let pools = chosen.prefix(Self.maxPools).map(\.0)
        guard !pools.isEmpty else { return nil }
        var blocks = Set<UInt64>([start])
        for a in pools { for p in tape[a]!.points where p.block >= start && p.block < end { blocks.insert(p.block) } }
        var grid = blocks.sorted()
        if grid.count > Self.maxSteps {
            let stride = (grid.count + Self.maxSteps - 1) / Self.maxSteps
            grid = grid.enumerated().compactMap { $0.offset % stride == 0 ? $0.element : nil }
        }
        var prices: [[Double]] = []
        for a in pools {
            let pts = tape[a]!.points
            var row = [Double](repeating: 0, count: grid.count)
            var i = 0, last = pts[0].price
            for (t, b) in grid.enumerated() {
                while i < pts.count, pts[i].block <= b { last = pts[i].price; i += 1 }
                row[t] = last
            }
            prices.append(row)
        }
        self.pools = pools
        self.grid = grid
        self.prices = prices
        fees = pools.map { tape[$0]!.fee }
        series = pools.map { tape[$0]!.points }
        self.horizon = horizon
    }

    /// Buy-and-hold: every sleeve long token0 from the start.
    public func buyAndHold() -> SignalFigures {
        figures(strategy: "buy-and-hold", role: "buy-and-hold", signals: [], holdAll: true)
    }

    /// A strategy's figures from its signals (any order; those outside the period or the
    /// universe are ignored).
    public func evaluate(strategy: String, role: String, signals: [SignalRecord]) -> SignalFigures {
        figures(strategy: strategy, role: role, signals: signals, holdAll: false)
    }

    func figures(strategy: String, role: String, signals: [SignalRecord], holdAll: Bool) -> SignalFigures {
        let n = pools.count
        let index = Dictionary(uniqueKeysWithValues: pools.enumerated().map { ($0.element.description.lowercased(), $0.offset) })
        let start = grid[0], endBlock = grid[grid.count - 1]
        let mine = signals.filter { $0.block >= start && $0.block <= endBlock && index[$0.pool] != nil }
            .enumerated().sorted { ($0.element.block, $0.offset) < ($1.element.block, $1.offset) }.map(\.element)
        let executed = mine.filter { !$0.vetoed }
        var hits = 0, judged = 0
        for s in executed {
            let p = index[s.pool]!
            let then = s.block.addingSaturated(horizon)
            guard let now = price(p, asOf: s.block), let later = price(p, asOf: then),
                  then <= series[p].last!.block, later != now else { continue }
            judged += 1
            if (later > now) == (s.side == "buy") { hits += 1 }
        }
        var position = [Double](repeating: holdAll ? 1 : 0, count: n)
        var equity = 1.0, peak = 1.0, drawdown = 0.0
        var turnover = holdAll ? 1.0 : 0.0
        equity -= holdAll ? fees.reduce(0, +) / Double(n) : 0
        var returns: [Double] = []
        var curve: [PriceTape.Point] = [.init(block: start, price: equity)]
        var next = 0
        func applySignals(through block: UInt64) -> Double {
            var cost = 0.0
            while next < executed.count, executed[next].block <= block {
                let s = executed[next]
                next += 1
                let p = index[s.pool]!
                let target = s.side == "buy" ? 1.0 : 0.0
                let change = abs(target - position[p])
                if change > 0 {
                    position[p] = target
                    cost += fees[p] * change / Double(n)
                    turnover += change / Double(n)
                }
            }
            return cost
        }
        if !holdAll { equity *= 1 - applySignals(through: start) }
        let stride = max(1, grid.count / Self.curvePoints)
        for t in 1..<max(grid.count, 1) {
            var r = 0.0
            for p in 0..<n where position[p] != 0 {
                let a = prices[p][t - 1], b = prices[p][t]
                // A pool's one-step move is taken as at most ×1001 (prices come from outside).
                if a > 0, case let move = b / a - 1, move.isFinite { r += position[p] * min(move, 1_000) / Double(n) }
            }
            if !holdAll { r -= applySignals(through: grid[t]) }
            r = max(r, -1)
            returns.append(r)
            equity *= 1 + r
            peak = max(peak, equity)
            if peak > 0 { drawdown = max(drawdown, 1 - equity / peak) }
            if t % stride == 0 || t == grid.count - 1 { curve.append(.init(block: grid[t], price: equity)) }
        }
        var sharpe: Double?
        if returns.count > 1 {
            let mean = returns.reduce(0, +) / Double(returns.count)
            let sd = (returns.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(returns.count - 1)).squareRoot()
            let blocksPerStep = Double(endBlock - start) / Double(returns.count)
            if sd > 1e-15, blocksPerStep > 0 { sharpe = mean / sd * (8_760 / blocksPerStep).squareRoot() }
        }
        return SignalFigures(strategy: strategy, role: role, signals: mine.count, executed: executed.count, hits: hits, judged: judged,
                             hitRate: judged > 0 ? Double(hits) / Double(judged) : nil, pnl: equity - 1, sharpe: sharpe,
                             maxDrawdown: drawdown, turnover: turnover, equity: curve)
    }

    /// Pool `p`'s price as of the end of `block` (its last point at or before it).
    func price(_ p: Int, asOf block: UInt64) -> Double? {
        let pts = series[p]
        var lo = 0, hi = pts.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if pts[mid].block <= block { lo = mid + 1 } else { hi = mid }
        }
        return lo > 0 ? pts[lo - 1].price : nil
    }

    /// Pool `p`'s prices within the period, thinned to about `curvePoints` points.
    public func priceCurve(pool p: Int) -> [PriceTape.Point] {
        let stride = max(1, grid.count / Self.curvePoints)
        return grid.indices.compactMap { t in t % stride == 0 || t == grid.count - 1 ? .init(block: grid[t], price: prices[p][t]) : nil }
    }
}
