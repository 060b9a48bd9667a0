public import SigilCore
public import SigilPluginAPI

/// The runtime's state of every pool the feeds mention, updated event by event.
public struct PoolBook: Sendable {
    public private(set) var pools: [Address: PoolSnapshot] = [:]

    public init(pools: [Address: PoolSnapshot] = [:]) { self.pools = pools }

    public subscript(address: Address) -> PoolSnapshot? { pools[address] }

    /// Applies `event` and returns the snapshot of the pool it concerns (the created pool for
    /// factory events), or nil for a retraction (which the caller handles), an off-chain event
    /// or a token transfer.
    public mutating func apply(_ event: MarketEvent) -> PoolSnapshot? {
        // Off-chain order-book events (Hyperliquid) have no pool state.
        guard !event.removed, !event.payload.isOffChain else { return nil }
        if case .erc20Transfer = event.payload { return nil }  // a token's, not a pool's (TokenBook)
        let block = event.id.blockNumber
        switch event.payload {
        case .v2PairCreated(let t0, let t1, let pair, _):
            return created(pair, .uniswapV2, t0, t1, fee: 3000, at: block)
        case .v3PoolCreated(let t0, let t1, let fee, _, let pool):
            return created(pool, .uniswapV3, t0, t1, fee: fee, at: block)
        default:
            break
        }
        let dex: PoolSnapshot.DEX = event.payload.kind.hasPrefix("v2.") ? .uniswapV2 : .uniswapV3
        // Take the pool out while it changes, so its swap history is not copied on write.
        var p = pools.removeValue(forKey: event.emitter) ?? PoolSnapshot(address: event.emitter, dex: dex)
        p.lastBlock = block
        switch event.payload {
        case .v2Sync(let r0, let r1):
            p.reserve0 = r0
            p.reserve1 = r1
            p.peakLiquidity = max(p.peakLiquidity, r0.doubleValue)
        case .v2Swap(_, let to, let a0in, let a1in, let a0out, let a1out):
            // The pair's Sync precedes its Swap: the reserves are already the new ones.
            p.swapCount += 1
            if let price = p.price {
                record(&p, SwapPoint(block: block, price: price, volume0: a0in.doubleValue + a0out.doubleValue, volume1: a1in.doubleValue + a1out.doubleValue,
                                     boughtToken0: !a0out.isZero, liquidity: p.reserve0.doubleValue, trader: to))
            }
        case .v3Swap(_, let recipient, let amount0, let amount1, let sqrtP, let liquidity, let tick):
            p.swapCount += 1
            p.sqrtPriceX96 = sqrtP
            p.activeLiquidity = liquidity.doubleValue
            p.tick = tick
            if let price = p.price {
                record(&p, SwapPoint(block: block, price: price, volume0: amount0.magnitude.doubleValue, volume1: amount1.magnitude.doubleValue,
                                     boughtToken0: amount0.isNegative, liquidity: liquidity.doubleValue, trader: recipient))
            }
        case .v3Mint(_, _, let lower, let upper, let amount, _, _):
            p.positionLiquidity += amount.doubleValue
            p.peakLiquidity = max(p.peakLiquidity, p.positionLiquidity)
            if p.tick.map({ lower <= $0 && $0 < upper }) ?? true { p.activeLiquidity += amount.doubleValue }
        case .v3Burn(_, let lower, let upper, let amount, _, _):
            p.positionLiquidity = max(0, p.positionLiquidity - amount.doubleValue)
            if p.tick.map({ lower <= $0 && $0 < upper }) ?? true { p.activeLiquidity = max(0, p.activeLiquidity - amount.doubleValue) }
        default:
            break
        }
        pools[event.emitter] = p
        return p
    }

    mutating func created(_ address: Address, _ dex: PoolSnapshot.DEX, _ t0: Address, _ t1: Address, fee: UInt32, at block: UInt64) -> PoolSnapshot {
        var p = pools[address] ?? PoolSnapshot(address: address, dex: dex)
        p.token0 = t0
        p.token1 = t1
        p.fee = fee
        p.createdBlock = block
        p.lastBlock = block
        pools[address] = p
        return p
    }

    func record(_ p: inout PoolSnapshot, _ point: SwapPoint) {
        if p.recentSwaps.count == PoolSnapshot.swapHistory { p.recentSwaps.removeFirst() }
        p.recentSwaps.append(point)
    }
}
