/// One decoded market event with the identity of the log it came from.
///
/// `removed` is true when the node retracted the log (a reorg dropped its block): consumers
/// treat such an event as a retraction of the one with the same `id`.
public struct MarketEvent: Hashable, Sendable, Codable {
    public var id: EventID
    /// The contract that emitted the log: a pool, pair or factory.
    public var emitter: Address
    public var payload: Payload
    public var removed: Bool

    public init(id: EventID, emitter: Address, payload: Payload, removed: Bool = false) {
        self.id = id
        self.emitter = emitter
        self.payload = payload
        self.removed = removed
    }

    /// What happened, with every field of the event exactly as logged.
    public enum Payload: Hashable, Sendable, Codable {
        /// Uniswap V2 `Swap(address indexed sender, uint amount0In, uint amount1In, uint amount0Out, uint amount1Out, address indexed to)`.
        case v2Swap(sender: Address, to: Address, amount0In: UInt256, amount1In: UInt256, amount0Out: UInt256, amount1Out: UInt256)
        /// Uniswap V2 `Sync(uint112 reserve0, uint112 reserve1)`.
        case v2Sync(reserve0: UInt256, reserve1: UInt256)
        /// Uniswap V2 `Mint(address indexed sender, uint amount0, uint amount1)`.
        case v2Mint(sender: Address, amount0: UInt256, amount1: UInt256)
        /// Uniswap V2 `Burn(address indexed sender, uint amount0, uint amount1, address indexed to)`.
        case v2Burn(sender: Address, to: Address, amount0: UInt256, amount1: UInt256)
        /// Uniswap V2 factory `PairCreated(address indexed token0, address indexed token1, address pair, uint)`.
        case v2PairCreated(token0: Address, token1: Address, pair: Address, index: UInt256)
        /// Uniswap V3 `Swap(address indexed sender, address indexed recipient, int256 amount0, int256 amount1, uint160 sqrtPriceX96, uint128 liquidity, int24 tick)`.
        case v3Swap(sender: Address, recipient: Address, amount0: Int256, amount1: Int256, sqrtPriceX96: UInt256, liquidity: UInt256, tick: Int32)
        /// Uniswap V3 `Mint(address sender, address indexed owner, int24 indexed tickLower, int24 indexed tickUpper, uint128 amount, uint256 amount0, uint256 amount1)`.
        case v3Mint(sender: Address, owner: Address, tickLower: Int32, tickUpper: Int32, amount: UInt256, amount0: UInt256, amount1: UInt256)
        /// Uniswap V3 `Burn(address indexed owner, int24 indexed tickLower, int24 indexed tickUpper, uint128 amount, uint256 amount0, uint256 amount1)`.
        case v3Burn(owner: Address, tickLower: Int32, tickUpper: Int32, amount: UInt256, amount0: UInt256, amount1: UInt256)
        /// Uniswap V3 factory `PoolCreated(address indexed token0, address indexed token1, uint24 indexed fee, int24 tickSpacing, address pool)`.
        case v3PoolCreated(token0: Address, token1: Address, fee: UInt32, tickSpacing: Int32, pool: Address)
        /// ERC-20 `Transfer(address indexed from, address indexed to, uint256 value)` of a token
        /// the feed follows (the tokens of the watched pools); the emitter is the token. A mint
        /// comes from the zero address, a burn goes to it.
        case erc20Transfer(from: Address, to: Address, value: UInt256)
        /// A Hyperliquid trade (`trades` channel): price and size exactly as the exchange wrote
        /// them, time in milliseconds, the exchange's trade id, buyer and seller.
        case hlTrade(coin: String, takerBuys: Bool, price: String, size: String, timeMs: UInt64, tid: UInt64, buyer: Address, seller: Address)
        /// The top of a Hyperliquid order book (`l2Book` channel).
        case hlBook(coin: String, bestBid: String?, bestAsk: String?, bidLevels: Int, askLevels: Int, timeMs: UInt64)

        /// True for events of an off-chain venue (Hyperliquid): no block, no pool.
        public var isOffChain: Bool {
            switch self {
            case .hlTrade, .hlBook: true
            default: false
            }
        }

        /// A short stable name of the event kind (`v2.swap`, `v3.mint`, …).
        public var kind: String {
            switch self {
            case .v2Swap: "v2.swap"
            case .v2Sync: "v2.sync"
            case .v2Mint: "v2.mint"
            case .v2Burn: "v2.burn"
            case .v2PairCreated: "v2.pair_created"
            case .v3Swap: "v3.swap"
            case .v3Mint: "v3.mint"
            case .v3Burn: "v3.burn"
            case .v3PoolCreated: "v3.pool_created"
            case .erc20Transfer: "erc20.transfer"
            case .hlTrade: "hl.trade"
            case .hlBook: "hl.book"
            }
        }
    }
}

extension MarketEvent.Payload {
    /// Every field with the parameter name the event's ABI gives it (an unnamed parameter is
    /// ""), values as decimal integers or 0x-hex addresses: for logs, sinks and comparisons.
    public var namedFields: [(name: String, value: String)] {
        switch self {
        case .v2Swap(let sender, let to, let a0i, let a1i, let a0o, let a1o):
            [("sender", "\(sender)"), ("amount0In", "\(a0i)"), ("amount1In", "\(a1i)"), ("amount0Out", "\(a0o)"),
             ("amount1Out", "\(a1o)"), ("to", "\(to)")]
        case .v2Sync(let r0, let r1):
            [("reserve0", "\(r0)"), ("reserve1", "\(r1)")]
        case .v2Mint(let sender, let a0, let a1):
            [("sender", "\(sender)"), ("amount0", "\(a0)"), ("amount1", "\(a1)")]
        case .v2Burn(let sender, let to, let a0, let a1):
            [("sender", "\(sender)"), ("amount0", "\(a0)"), ("amount1", "\(a1)"), ("to", "\(to)")]
        case .v2PairCreated(let t0, let t1, let pair, let index):
            [("token0", "\(t0)"), ("token1", "\(t1)"), ("pair", "\(pair)"), ("", "\(index)")]
        case .v3Swap(let sender, let recipient, let a0, let a1, let sqrtP, let liquidity, let tick):
            [("sender", "\(sender)"), ("recipient", "\(recipient)"), ("amount0", "\(a0)"), ("amount1", "\(a1)"),
             ("sqrtPriceX96", "\(sqrtP)"), ("liquidity", "\(liquidity)"), ("tick", "\(tick)")]
        case .v3Mint(let sender, let owner, let lo, let hi, let amount, let a0, let a1):
            [("sender", "\(sender)"), ("owner", "\(owner)"), ("tickLower", "\(lo)"), ("tickUpper", "\(hi)"),
             ("amount", "\(amount)"), ("amount0", "\(a0)"), ("amount1", "\(a1)")]
        case .v3Burn(let owner, let lo, let hi, let amount, let a0, let a1):
            [("owner", "\(owner)"), ("tickLower", "\(lo)"), ("tickUpper", "\(hi)"), ("amount", "\(amount)"),
             ("amount0", "\(a0)"), ("amount1", "\(a1)")]
        case .v3PoolCreated(let t0, let t1, let fee, let spacing, let pool):
            [("token0", "\(t0)"), ("token1", "\(t1)"), ("fee", "\(fee)"), ("tickSpacing", "\(spacing)"), ("pool", "\(pool)")]
        case .erc20Transfer(let from, let to, let value):
            [("from", "\(from)"), ("to", "\(to)"), ("value", "\(value)")]
        case .hlTrade(let coin, let takerBuys, let px, let sz, let time, let tid, let buyer, let seller):
            [("coin", coin), ("side", takerBuys ? "B" : "A"), ("px", px), ("sz", sz), ("time", "\(time)"), ("tid", "\(tid)"),
             ("buyer", "\(buyer)"), ("seller", "\(seller)")]
        case .hlBook(let coin, let bid, let ask, let nb, let na, let time):
            [("coin", coin), ("bestBid", bid ?? ""), ("bestAsk", ask ?? ""), ("bidLevels", "\(nb)"), ("askLevels", "\(na)"), ("time", "\(time)")]
        }
    }
}
