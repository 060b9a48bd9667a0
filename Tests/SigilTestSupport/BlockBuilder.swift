public import SigilCore
public import SigilPluginAPI

/// Builds a closed block for detector tests: transactions in order, each a list of
/// (emitter, payload) in log order, with the pools' tokens and the tokens' facts that the
/// runtime would hand the plugin.
public struct BlockBuilder {
    public var number: UInt64
    public var events: [MarketEvent] = []
    /// token0/token1 of each pool the block's swaps touch (default: 0x10…/0x11…).
    public var poolTokens: [Address: (Address, Address)] = [:]
    /// The token facts handed with the block, for every token transferred in it.
    public var tokens: [Address: TokenSnapshot] = [:]
    var log: UInt32 = 0
    var tx: UInt32 = 0

    public init(number: UInt64 = 100) { self.number = number }

    /// An address made of one repeated byte.
    public static func address(_ byte: UInt8) -> Address { Address(bytes: [UInt8](repeating: byte, count: 20))! }

    /// Appends a transaction; returns its hash.
    @discardableResult
    public mutating func tx(_ items: [(Address, MarketEvent.Payload)]) -> Hash32 {
        var seed = [UInt8](repeating: UInt8(truncatingIfNeeded: tx + 1), count: 32)
        seed[0] = UInt8(truncatingIfNeeded: number)
        seed[1] = UInt8(truncatingIfNeeded: number >> 8)
        let hash = Hash32(bytes: seed)!
        let blockHash = Hash32(bytes: [UInt8](repeating: UInt8(truncatingIfNeeded: number), count: 32))!
        for (emitter, payload) in items {
            events.append(MarketEvent(id: EventID(chainId: 1, blockHash: blockHash, logIndex: log, blockNumber: number,
                                                  transactionHash: hash, transactionIndex: tx),
                                      emitter: emitter, payload: payload))
            log += 1
        }
        tx += 1
        return hash
    }

    public var block: ClosedBlock {
        var pools: [Address: PoolSnapshot] = [:]
        for e in events where e.payload.kind.hasSuffix("swap") || e.payload.kind.hasSuffix("mint") || e.payload.kind.hasSuffix("burn") {
            var p = PoolSnapshot(address: e.emitter, dex: e.payload.kind.hasPrefix("v3") ? .uniswapV3 : .uniswapV2)
            let t = poolTokens[e.emitter] ?? (Self.address(0x10), Self.address(0x11))
            p.token0 = t.0
            p.token1 = t.1
            pools[e.emitter] = p
        }
        var touched: [Address: TokenSnapshot] = [:]
        for e in events where e.payload.kind == "erc20.transfer" { touched[e.emitter] = tokens[e.emitter] }
        return ClosedBlock(chainId: 1, number: number, events: events, pools: pools, tokens: touched)
    }

    /// A V2 swap paying `to`: a buy of token0 (token1 in) or a sell of it.
    public static func v2(buy: Bool, in amountIn: UInt64, out amountOut: UInt64, to: Address, sender: Address = address(0xee)) -> MarketEvent.Payload {
        buy ? .v2Swap(sender: sender, to: to, amount0In: .zero, amount1In: UInt256(amountIn), amount0Out: UInt256(amountOut), amount1Out: .zero)
            : .v2Swap(sender: sender, to: to, amount0In: UInt256(amountIn), amount1In: .zero, amount0Out: .zero, amount1Out: UInt256(amountOut))
    }

    /// An ERC-20 transfer.
    public static func transfer(_ from: Address, _ to: Address, _ value: UInt64) -> MarketEvent.Payload {
        .erc20Transfer(from: from, to: to, value: UInt256(value))
    }
}
