public import SigilCore

/// One swap as its pool logged it: which way it went, what came in and what went out (raw units).
public struct SwapAmounts: Hashable, Sendable {
    /// True when the pool received token0 and paid token1 (a sell of token0).
    public var sellsToken0: Bool
    public var amountIn: UInt256
    public var amountOut: UInt256

    public init(sellsToken0: Bool, amountIn: UInt256, amountOut: UInt256) {
        self.sellsToken0 = sellsToken0
        self.amountIn = amountIn
        self.amountOut = amountOut
    }

    /// The token0 side of the swap, whichever way it went.
    public var amount0: UInt256 { sellsToken0 ? amountIn : amountOut }
    /// The token1 side of the swap.
    public var amount1: UInt256 { sellsToken0 ? amountOut : amountIn }
}

extension MarketEvent {
    /// The direction and amounts of a V2 or V3 swap; nil for other events and for swaps with
    /// no single direction (a V2 flash swap paying in both tokens).
    public var swapAmounts: SwapAmounts? {
        switch payload {
        case .v2Swap(_, _, let a0in, let a1in, let a0out, let a1out):
            if !a0in.isZero, a1in.isZero { return SwapAmounts(sellsToken0: true, amountIn: a0in, amountOut: a1out) }
            if !a1in.isZero, a0in.isZero { return SwapAmounts(sellsToken0: false, amountIn: a1in, amountOut: a0out) }
            return nil
        case .v3Swap(_, _, let a0, let a1, _, _, _):
            // Positive: the pool received that token.
            if !a0.isNegative, a1.isNegative { return SwapAmounts(sellsToken0: true, amountIn: a0.magnitude, amountOut: a1.magnitude) }
            if !a1.isNegative, a0.isNegative { return SwapAmounts(sellsToken0: false, amountIn: a1.magnitude, amountOut: a0.magnitude) }
            return nil
        default:
            return nil
        }
    }

    /// Who received a swap's output: the account a router traded for, or a bot contract.
    public var swapRecipient: Address? {
        switch payload {
        case .v2Swap(_, let to, _, _, _, _): to
        case .v3Swap(_, let recipient, _, _, _, _, _): recipient
        default: nil
        }
    }
}

/// One transaction of a closed block as detectors read it: its swaps, its token transfers, the
/// pools whose liquidity it changed, and the account it traded for.
public struct TransactionActivity: Sendable {
    public struct Swap: Sendable {
        public var pool: Address
        public var amounts: SwapAmounts
        public var event: MarketEvent
    }

    public struct Transfer: Sendable {
        public var token: Address
        public var from: Address
        public var to: Address
        public var value: UInt256
        public var event: MarketEvent
    }

    public var hash: Hash32
    public var index: UInt32
    public var events: [MarketEvent]
    public var swaps: [Swap]
    public var transfers: [Transfer]
    /// Pools with a mint or burn in this transaction.
    public var liquidityPools: Set<Address>

    /// The account the transaction traded for: the recipient of its last swap (through a
    /// router, the trader; through a bot contract, the bot), never the router that called the pool.
    public var trader: Address? { swaps.last?.event.swapRecipient }

    /// The pools it swapped on, in order of their first swap.
    public var swapPools: [Address] {
        var seen = Set<Address>(), out: [Address] = []
        for s in swaps where seen.insert(s.pool).inserted { out.append(s.pool) }
        return out
    }

    public init(hash: Hash32, index: UInt32, events: [MarketEvent]) {
        self.hash = hash
        self.index = index
        self.events = events
        var swaps: [Swap] = [], transfers: [Transfer] = [], liquidity = Set<Address>()
        for e in events {
            switch e.payload {
            case .v2Swap, .v3Swap:
                if let a = e.swapAmounts { swaps.append(Swap(pool: e.emitter, amounts: a, event: e)) }
            case .erc20Transfer(let from, let to, let value):
                transfers.append(Transfer(token: e.emitter, from: from, to: to, value: value, event: e))
            case .v2Mint, .v2Burn, .v3Mint, .v3Burn:
                liquidity.insert(e.emitter)
            default:
                break
            }
        }
        self.swaps = swaps
        self.transfers = transfers
        liquidityPools = liquidity
    }
}
