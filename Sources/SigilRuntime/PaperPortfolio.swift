public import SigilCore
public import SigilPluginAPI

/// One simulated trade, at the pool's exact output for its state at the signal.
public struct Fill: Hashable, Sendable {
    public var pool: Address
    public var tokenIn: Address
    public var amountIn: Double
    public var tokenOut: Address
    public var amountOut: Double
    public var cause: EventID
}

/// A paper portfolio: starts with cash in one token, buys `tradeSize` of a pool's other token on
/// a buy of it and sells the whole position on a sell, filling at what the pool would pay
/// (`PoolSnapshot.quote`). Only pools that trade against the cash token are traded.
public final class PaperPortfolio {
    public let cashToken: Address
    /// Raw units per whole unit of cash.
    public let cashScale: Double
    public let initialCash: Double
    public let tradeSize: Double
    /// Raw balances by token.
    public private(set) var balances: [Address: Double]
    /// For each token held: raw cash per raw unit, from the last state of a pool pairing it with cash.
    public private(set) var marks: [Address: Double] = [:]
    /// For each token priced against cash during the run: its first mark (buy-and-hold's entry).
    public private(set) var firstMarks: [Address: Double] = [:]
    public private(set) var fills = 0

    public init(cashToken: Address, decimals: Int, cash: Double, tradeSize: Double) {
        self.cashToken = cashToken
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        cashScale = scale
        initialCash = cash * scale
        self.tradeSize = tradeSize * scale
        balances = [cashToken: cash * scale]
    }

    /// Balances, marks and the fill count: what a snapshot keeps (the configuration is not).
    public struct State: Codable, Sendable {
        public var balances: [Address: Double]
        public var marks: [Address: Double]
        public var fills: Int
        /// nil in snapshots taken before buy-and-hold was kept (it then starts again from the restore).
        public var firstMarks: [Address: Double]?
    }

    /// The portfolio's state, for engine snapshots; setting it restores one.
    public var state: State {
        get { State(balances: balances, marks: marks, fills: fills, firstMarks: firstMarks) }
        set {
            balances = newValue.balances
            marks = newValue.marks
            fills = newValue.fills
            firstMarks = newValue.firstMarks ?? [:]
        }
    }

    /// The token a pool trades against cash, when it pairs one with cash.
    func base(of pool: PoolSnapshot) -> Address? {
        guard let t0 = pool.token0, let t1 = pool.token1 else { return nil }
        if t0 == cashToken { return t1 }
        if t1 == cashToken { return t0 }
        return nil
    }

    /// Updates the mark of the pool's base token from its current price.
    public func mark(_ pool: PoolSnapshot) {
        guard let base = base(of: pool), let price = pool.price, price > 0 else { return }
        let mark = base == pool.token0 ? price : 1 / price  // price is token1 per token0
        guard mark.isFinite, mark > 0 else { return }
        marks[base] = mark
        if firstMarks[base] == nil { firstMarks[base] = mark }
    }

    /// Executes a (not vetoed) signal: buy = acquire token0, sell = acquire token1.
    public func execute(_ signal: Signal, pool: PoolSnapshot) -> Fill? {
        guard let base = base(of: pool) else { return nil }
        let acquires = signal.side == .buy ? pool.token0 : pool.token1
        let (tokenIn, tokenOut, amountIn): (Address, Address, Double)
        if acquires == base {
            (tokenIn, tokenOut, amountIn) = (cashToken, base, min(tradeSize, balances[cashToken] ?? 0))
        } else {
            (tokenIn, tokenOut, amountIn) = (base, cashToken, balances[base] ?? 0)
        }
        guard amountIn > 0, let out = pool.quote(amountIn: amountIn, tokenIn: tokenIn), out > 0 else { return nil }
        balances[tokenIn, default: 0] -= amountIn
        balances[tokenOut, default: 0] += out
        fills += 1
        return Fill(pool: pool.address, tokenIn: tokenIn, amountIn: amountIn, tokenOut: tokenOut, amountOut: out, cause: signal.cause)
    }

    /// Cash plus every position at its mark, in whole units of cash.
    public var equity: Double {
        var total = balances[cashToken] ?? 0
        for (token, amount) in balances where token != cashToken { total += amount * (marks[token] ?? 0) }
        return total / cashScale
    }

    public var pnl: Double { equity - initialCash / cashScale }

    /// Buy-and-hold over the same run: the cash split equally over every token priced against it,
    /// each bought at its first mark and valued at its last (no fees, no slippage: a benchmark, not
    /// a trade); the return as a fraction. nil before any token was priced.
    public var buyAndHoldReturn: Double? {
        let held = firstMarks.compactMap { token, first in marks[token].map { $0 / first } }
        guard !held.isEmpty else { return nil }
        return held.reduce(0, +) / Double(held.count) - 1
    }

    /// What a run reports of the portfolio.
    public var figures: PortfolioFigures {
        PortfolioFigures(fills: fills, equity: equity, pnl: pnl, initial: initialCash / cashScale, buyAndHold: buyAndHoldReturn,
                         tokensPriced: firstMarks.count)
    }
}

/// The paper portfolio's figures at the end of a run (or at a status).
public struct PortfolioFigures: Sendable {
    public var fills: Int
    /// Cash plus positions at their marks, in whole units of cash.
    public var equity: Double
    public var pnl: Double
    public var initial: Double
    /// Buy-and-hold's return over the same tokens and blocks, as a fraction.
    public var buyAndHold: Double?
    /// How many tokens buy-and-hold holds.
    public var tokensPriced: Int

    public init(fills: Int, equity: Double, pnl: Double, initial: Double, buyAndHold: Double?, tokensPriced: Int) {
        (self.fills, self.equity, self.pnl, self.initial, self.buyAndHold, self.tokensPriced) = (fills, equity, pnl, initial, buyAndHold, tokensPriced)
    }
}
