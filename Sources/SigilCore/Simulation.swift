/// A question a plugin asks of the chain, which only the runtime can answer (plugins never touch
/// the network): run when `simulation:` names an RPC, answered through
/// `StrategyPlugin.simulated(_:for:)` before the next feed item.
public struct SimulationRequest: Codable, Hashable, Sendable {
    public enum Kind: String, Codable, Sendable {
        /// Buy `token` from its Uniswap V2 `pool` with WETH and sell it straight back, in one
        /// `eth_call` against the state after `block`.
        case v2RoundTrip = "v2-round-trip"
    }

    public var kind: Kind
    public var pool: Address
    public var token: Address
    public var block: UInt64
    /// The event the plugin was judging when it asked (outputs of the answer name it as cause).
    public var cause: EventID

    public init(kind: Kind, pool: Address, token: Address, block: UInt64, cause: EventID) {
        self.kind = kind
        self.pool = pool
        self.token = token
        self.block = block
        self.cause = cause
    }
}

/// What a simulated round trip showed.
public struct SimulationResult: Codable, Hashable, Sendable {
    public enum Outcome: String, Codable, Sendable {
        /// Bought and sold back; the taxes and the loss say at what cost.
        case roundTrip = "round trip"
        /// The pool is not a V2 pair of the token and WETH, or holds no liquidity.
        case notSimulable = "not simulable"
        case buyReverted = "buy reverted"
        /// The sell's transfer into the pool reverted: a buyer cannot sell.
        case sellReverted = "sell reverted"
        /// The tokens reached the pool but the pool would not pay for them.
        case sellSwapReverted = "sell swap reverted"
        /// No answer: the node failed, timed out or answered something that is not the probe's.
        case failed
    }

    public var outcome: Outcome
    /// WETH spent on the buy (wei), and the token amounts of each step (raw units).
    public var spent: UInt256 = .zero
    public var buyExpected: UInt256 = .zero
    public var buyReceived: UInt256 = .zero
    public var sellArrived: UInt256 = .zero
    /// WETH the sold amount would fetch untaxed, and what the sell paid.
    public var sellExpected: UInt256 = .zero
    public var sellReceived: UInt256 = .zero
    /// Why the failing step reverted (its message, or its revert data as hex), or why the
    /// simulation failed.
    public var reason: String = ""

    public init(outcome: Outcome, reason: String = "") {
        self.outcome = outcome
        self.reason = reason
    }

    /// Share of the bought tokens the token kept back (0 when nothing was expected).
    public var buyTax: Double { Self.shortfall(buyReceived, of: buyExpected) }
    /// Share of the sold tokens that did not reach the pool.
    public var sellTax: Double { outcome == .roundTrip ? Self.shortfall(sellArrived, of: buyReceived) : 0 }
    /// Share of the WETH spent that did not come back (the pool's two fees are about 0.6%).
    public var roundTripLoss: Double { outcome == .roundTrip ? Self.shortfall(sellReceived, of: spent) : 0 }

    /// True when the simulation shows a buyer cannot get out: the sell reverts, or it loses at
    /// least `maxTax` to the token (either way).
    public func trapsBuyers(maxTax: Double) -> Bool {
        switch outcome {
        case .sellReverted, .sellSwapReverted: true
        case .roundTrip: max(buyTax, sellTax) >= maxTax
        case .notSimulable, .buyReverted, .failed: false
        }
    }

    static func shortfall(_ got: UInt256, of wanted: UInt256) -> Double {
        let w = wanted.doubleValue
        guard w > 0 else { return 0 }
        return min(max(1 - got.doubleValue / w, 0), 1)
    }

    /// The figures as alert metadata (`simulation…` keys).
    public var evidence: [String: String] {
        var m = ["simulation": outcome.rawValue, "simulationSpentWei": "\(spent)", "simulationBought": "\(buyReceived)"]
        if outcome == .roundTrip {
            m["simulationBuyTax"] = Self.rounded(buyTax)
            m["simulationSellTax"] = Self.rounded(sellTax)
            m["simulationRoundTripLoss"] = Self.rounded(roundTripLoss)
            m["simulationSoldBackWei"] = "\(sellReceived)"
        }
        if !reason.isEmpty { m["simulationReason"] = reason }
        return m
    }

    static func rounded(_ x: Double) -> String { "\((x * 10_000).rounded() / 10_000)" }
}
