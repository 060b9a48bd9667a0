public import SigilCore

/// Decodes Uniswap V2 and V3 logs (pair/pool and factory events) and ERC-20 `Transfer` logs
/// into `MarketEvent`s.
///
/// Every field is checked against the event's ABI: the topic count, the data length, and the
/// range of each value (a `uint112` reserve, an `int24` tick, a padded address). A log whose
/// first topic is not a Uniswap event gives `nil`; a log that claims to be one but does not
/// match its ABI throws.
public enum UniswapEvents {
    /// topic0 of each supported event, by `MarketEvent.Payload.kind`.
    public static let topics: [String: Hash32] = [
        "v2.swap": topic("Swap(address,uint256,uint256,uint256,uint256,address)"),
        "v2.sync": topic("Sync(uint112,uint112)"),
        "v2.mint": topic("Mint(address,uint256,uint256)"),
        "v2.burn": topic("Burn(address,uint256,uint256,address)"),
        "v2.pair_created": topic("PairCreated(address,address,address,uint256)"),
        "v3.swap": topic("Swap(address,address,int256,int256,uint160,uint128,int24)"),
        "v3.mint": topic("Mint(address,address,int24,int24,uint128,uint256,uint256)"),
        "v3.burn": topic("Burn(address,int24,int24,uint128,uint256,uint256)"),
        "v3.pool_created": topic("PoolCreated(address,address,uint24,int24,address)"),
    ]

    static let v2Swap = topics["v2.swap"]!, v2Sync = topics["v2.sync"]!, v2Mint = topics["v2.mint"]!
    static let v2Burn = topics["v2.burn"]!, v2PairCreated = topics["v2.pair_created"]!
    static let v3Swap = topics["v3.swap"]!, v3Mint = topics["v3.mint"]!, v3Burn = topics["v3.burn"]!
    static let v3PoolCreated = topics["v3.pool_created"]!
    /// topic0 of ERC-20 (and ERC-721) `Transfer(address,address,uint256)`.
    public static let transferTopic = topic("Transfer(address,address,uint256)")

    static func topic(_ signature: String) -> Hash32 { Hash32(bytes: Keccak256.hash(signature))! }

    /// The market event of `log`, or nil when its topic0 is not a Uniswap event.
    public static func decode(_ log: some LogView, chainId: UInt64) throws(ChainError) -> MarketEvent? {
        guard log.topicCount > 0 else { return nil }
        let t0 = log.topic(0)
        let payload: MarketEvent.Payload
        let r = Fields(log: log)
        switch t0 {
        case v2Swap:
            try r.expect(topics: 3, words: 4, "v2 Swap")
            payload = .v2Swap(sender: try r.topicAddress(1), to: try r.topicAddress(2),
                              amount0In: r.uint(0), amount1In: r.uint(1), amount0Out: r.uint(2), amount1Out: r.uint(3))
        case v2Sync:
            try r.expect(topics: 1, words: 2, "v2 Sync")
            payload = .v2Sync(reserve0: try r.uint(0, bits: 112), reserve1: try r.uint(1, bits: 112))
        case v2Mint:
            try r.expect(topics: 2, words: 2, "v2 Mint")
            payload = .v2Mint(sender: try r.topicAddress(1), amount0: r.uint(0), amount1: r.uint(1))
        case v2Burn:
            try r.expect(topics: 3, words: 2, "v2 Burn")
            payload = .v2Burn(sender: try r.topicAddress(1), to: try r.topicAddress(2), amount0: r.uint(0), amount1: r.uint(1))
        case v2PairCreated:
            try r.expect(topics: 3, words: 2, "v2 PairCreated")
            payload = .v2PairCreated(token0: try r.topicAddress(1), token1: try r.topicAddress(2),
                                     pair: try r.address(0), index: r.uint(1))
        case v3Swap:
            try r.expect(topics: 3, words: 5, "v3 Swap")
            payload = .v3Swap(sender: try r.topicAddress(1), recipient: try r.topicAddress(2),
                              amount0: r.int(0), amount1: r.int(1), sqrtPriceX96: try r.uint(2, bits: 160),
                              liquidity: try r.uint(3, bits: 128), tick: try r.int24(r.word(4)))
        case v3Mint:
            try r.expect(topics: 4, words: 4, "v3 Mint")
            payload = .v3Mint(sender: try r.address(0), owner: try r.topicAddress(1),
                              tickLower: try r.int24(log.topic(2)), tickUpper: try r.int24(log.topic(3)),
                              amount: try r.uint(1, bits: 128), amount0: r.uint(2), amount1: r.uint(3))
        case v3Burn:
            try r.expect(topics: 4, words: 3, "v3 Burn")
            payload = .v3Burn(owner: try r.topicAddress(1), tickLower: try r.int24(log.topic(2)),
                              tickUpper: try r.int24(log.topic(3)), amount: try r.uint(0, bits: 128),
                              amount0: r.uint(1), amount1: r.uint(2))
        case v3PoolCreated:
            try r.expect(topics: 4, words: 2, "v3 PoolCreated")
            let fee = UInt256(word: log.topic(3))
            guard fee.bitWidth <= 24 else { throw .log("v3 PoolCreated fee does not fit uint24") }
            payload = .v3PoolCreated(token0: try r.topicAddress(1), token1: try r.topicAddress(2), fee: UInt32(fee.l0),
                                     tickSpacing: try r.int24(r.word(0)), pool: try r.address(1))
        case transferTopic:
            // ERC-721 shares the signature with the token id as a fourth topic, and pre-standard
            // tokens index nothing: other events, not ERC-20 transfers.
            guard log.topicCount == 3 else { return nil }
            try r.expect(topics: 3, words: 1, "ERC-20 Transfer")
            payload = .erc20Transfer(from: try r.topicAddress(1), to: try r.topicAddress(2), value: r.uint(0))
        default:
            return nil
        }
        let id = EventID(chainId: chainId, blockHash: log.blockHash, logIndex: log.logIndex, blockNumber: log.blockNumber,
                         transactionHash: log.transactionHash, transactionIndex: log.transactionIndex)
        return MarketEvent(id: id, emitter: log.address, payload: payload, removed: log.removed)
    }

    /// Field readers with the ABI's range checks.
    struct Fields<L: LogView> {
        let log: L

        func expect(topics: Int, words: Int, _ name: String) throws(ChainError) {
            guard log.topicCount == topics else { throw .log("\(name) needs \(topics) topics, got \(log.topicCount)") }
            guard log.dataWordCount == words else { throw .log("\(name) needs \(words * 32) data bytes") }
        }

        func word(_ i: Int) -> Hash32 { log.dataWord(i) }
        func uint(_ i: Int) -> UInt256 { UInt256(word: log.dataWord(i)) }
        func int(_ i: Int) -> Int256 { Int256(word: log.dataWord(i)) }

        func uint(_ i: Int, bits: Int) throws(ChainError) -> UInt256 {
            let v = UInt256(word: log.dataWord(i))
            guard v.bitWidth <= bits else { throw .log("data word \(i) does not fit uint\(bits)") }
            return v
        }

        func address(_ i: Int) throws(ChainError) -> Address { try Address(abiWord: log.dataWord(i)) }
        func topicAddress(_ i: Int) throws(ChainError) -> Address { try Address(abiWord: log.topic(i)) }

        /// An `int24` in a 32-byte word: sign-extended two's complement.
        func int24(_ w: Hash32) throws(ChainError) -> Int32 {
            let low = Int32(truncatingIfNeeded: w.w3 & 0xFF_FFFF)
            let v = low & 0x80_0000 != 0 ? low - 0x100_0000 : low
            let fill: UInt64 = v < 0 ? .max : 0
            guard w.w0 == fill, w.w1 == fill, w.w2 == fill, w.w3 >> 24 == fill >> 24 else {
                throw .log("int24 word is not sign-extended")
            }
            return v
        }
    }
}

extension Address {
    /// The address in a 32-byte ABI word (a topic or a data word); the 12 padding bytes must be zero.
    public init(abiWord w: Hash32) throws(ChainError) {
        guard w.w0 == 0, w.w1 >> 32 == 0 else { throw .log("address word has non-zero padding") }
        self.init(hi: w.w1 << 32 | w.w2 >> 32, mid: w.w2 << 32 | w.w3 >> 32, lo: UInt32(truncatingIfNeeded: w.w3))
    }
}
