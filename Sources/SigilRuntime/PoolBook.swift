public import SigilCore
public import SigilPluginAPI

/// The runtime's state of every pool the feeds mention, updated event by event.
public struct PoolBook: Sendable {
    public private(set) var pools: [Address: PoolSnapshot] = [:]

    public init() {}

    public subscript(address: Address) -> PoolSnapshot? { pools[address] }

    /// Applies `event` and returns the snapshot of the pool it concerns (the created pool for
    /// factory events), or nil for a retraction, which the caller handles.
    public mutating func apply(_ event: MarketEvent) -> PoolSnapshot? {
        guard !event.removed else { return nil }
        let block = event.id.blockNumber
        switch event.payload {
        case .v2PairCreated(let t0, let t1, let pair, _):
            var p = pools[pair] ?? PoolSnapshot(address: pair, dex: .uniswapV2)
            p.token0 = t0
            p.token1 = t1
            p.createdBlock = block
            p.lastBlock = block
            pools[pair] = p
            return p
        case .v3PoolCreated(let t0, let t1, let fee, _, let pool):
            var p = pools[pool] ?? PoolSnapshot(address: pool, dex: .uniswapV3)
            p.token0 = t0
            p.token1 = t1
            p.fee = fee
            p.createdBlock = block
            p.lastBlock = block
            pools[pool] = p
            return p
        default:
            break
        }
        let dex: PoolSnapshot.DEX = event.payload.kind.hasPrefix("v2.") ? .uniswapV2 : .uniswapV3
        var p = pools[event.emitter] ?? PoolSnapshot(address: event.emitter, dex: dex)
        p.lastBlock = block
        switch event.payload {
        case .v2Sync(let r0, let r1):
            p.reserve0 = r0
            p.reserve1 = r1
            p.peakLiquidity = max(p.peakLiquidity, r0.doubleValue)
        case .v2Swap, .v3Swap:
            p.swapCount += 1
            if case .v3Swap(_, _, _, _, let sqrtP, let liquidity, _) = event.payload {
                p.sqrtPriceX96 = sqrtP
                p.activeLiquidity = liquidity
            }
        case .v3Mint(_, _, _, _, let amount, _, _):
            p.positionLiquidity += amount.doubleValue
            p.peakLiquidity = max(p.peakLiquidity, p.positionLiquidity)
        case .v3Burn(_, _, _, let amount, _, _):
            p.positionLiquidity = max(0, p.positionLiquidity - amount.doubleValue)
        default:
            break
        }
        pools[event.emitter] = p
        return p
    }
}
