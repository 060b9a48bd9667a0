public import SigilCore

/// What the runtime knows of one pool, as a plugin sees it: read-only, current as of the
/// event being handled (that event already applied).
public struct PoolSnapshot: Hashable, Sendable, Codable {
    public enum DEX: String, Hashable, Sendable, Codable { case uniswapV2 = "uniswap-v2", uniswapV3 = "uniswap-v3" }

    public var address: Address
    public var dex: DEX
    public var token0: Address?
    public var token1: Address?
    /// V3 fee in hundredths of a basis point; 3000 for V2 pairs.
    public var fee: UInt32
    /// The block of the factory's creation event, when the feed saw it.
    public var createdBlock: UInt64?
    /// V2 reserves (from Sync).
    public var reserve0: UInt256
    public var reserve1: UInt256
    /// V3 price and in-range liquidity (from Swap).
    public var sqrtPriceX96: UInt256
    /// V3: the liquidity in range at the current price (from Swap, adjusted by in-range Mint
    /// and Burn).
    public var activeLiquidity: Double
    /// V3: the current tick, once a swap has shown it.
    public var tick: Int32?
    /// V3: liquidity minted minus burned over all positions the feed saw.
    public var positionLiquidity: Double
    /// The largest liquidity the pool has held (V2: reserve0; V3: position liquidity).
    public var peakLiquidity: Double
    public var lastBlock: UInt64
    public var swapCount: Int
    /// The most recent swaps, oldest first (at most `PoolSnapshot.swapHistory`).
    public var recentSwaps: [SwapPoint]

    /// How many swaps `recentSwaps` keeps.
    public static let swapHistory = 64

    public init(address: Address, dex: DEX) {
        self.address = address
        self.dex = dex
        fee = 3000
        reserve0 = .zero
        reserve1 = .zero
        sqrtPriceX96 = .zero
        activeLiquidity = 0
        positionLiquidity = 0
        peakLiquidity = 0
        lastBlock = 0
        swapCount = 0
        recentSwaps = []
    }

    /// token1 per token0 in raw units, when known.
    public var price: Double? {
        switch dex {
        case .uniswapV2:
            return reserve0.isZero ? nil : reserve1.doubleValue / reserve0.doubleValue
        case .uniswapV3:
            guard !sqrtPriceX96.isZero else { return nil }
            let s = sqrtPriceX96.doubleValue / 79228162514264337593543950336.0  // 2^96
            return s * s
        }
    }

    /// Blocks since creation, when the creation was seen.
    public func age(at block: UInt64) -> UInt64? { createdBlock.map { block >= $0 ? block - $0 : 0 } }
}

/// One swap as the features see it.
public struct SwapPoint: Hashable, Sendable, Codable {
    public var block: UInt64
    /// token1 per token0 (raw units) after the swap.
    public var price: Double
    /// token0 traded (raw units, absolute).
    public var volume0: Double
    /// token1 traded (raw units, absolute); 0 in snapshots written before it was kept.
    public var volume1: Double
    /// True when the trader bought token0 from the pool.
    public var boughtToken0: Bool
    /// V2: token0 reserve; V3: in-range liquidity; after the swap.
    public var liquidity: Double
    /// The account that received the swap's output (`MarketEvent.swapRecipient`): the trader
    /// when a router swapped for it, a bot contract when one did; nil when unknown (snapshots
    /// written before it was kept).
    public var trader: Address?

    public init(block: UInt64, price: Double, volume0: Double, volume1: Double = 0, boughtToken0: Bool, liquidity: Double,
                trader: Address? = nil) {
        self.block = block
        self.price = price
        self.volume0 = volume0
        self.volume1 = volume1
        self.boughtToken0 = boughtToken0
        self.liquidity = liquidity
        self.trader = trader
    }

    enum CodingKeys: String, CodingKey { case block, price, volume0, volume1, boughtToken0, liquidity, trader }

    /// Reads snapshots written before `volume1` and `trader` were kept (they read as 0 and nil).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        block = try c.decode(UInt64.self, forKey: .block)
        price = try c.decode(Double.self, forKey: .price)
        volume0 = try c.decode(Double.self, forKey: .volume0)
        volume1 = try c.decodeIfPresent(Double.self, forKey: .volume1) ?? 0
        boughtToken0 = try c.decode(Bool.self, forKey: .boughtToken0)
        liquidity = try c.decode(Double.self, forKey: .liquidity)
        trader = try c.decodeIfPresent(Address.self, forKey: .trader)
    }
}
