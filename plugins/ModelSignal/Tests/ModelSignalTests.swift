import ModelSignal
import SigilCore
import SigilPluginAPI
import Testing

/// `model-signal` alone on hand-made pool states, with a fixed-output model standing in for a
/// verified one (the real models run through it in the runtime's suites).
@Suite struct ModelSignalTests {
    struct FixedModel: PredictiveModel {
        var probability: Float
        var featureNames = SwapFeatures.names
        var reference = ModelReference(id: "test/fixed", version: 1, weightsHash: .zero)
        func predict(_ features: [Float], rows: Int) throws -> [Float] { Array(repeating: probability, count: rows) }
    }

    static let poolAddress = Address(hex: "0x00000000000000000000000000000000000000bb")!

    /// A V2 pool whose price rose by 0.1% per swap over `swaps` swaps, one per block.
    static func pool(swaps: Int) -> PoolSnapshot {
        var p = PoolSnapshot(address: poolAddress, dex: .uniswapV2)
        for i in 0..<swaps {
            let price: Double = 1 + 0.001 * Double(i)
            p.recentSwaps.append(SwapPoint(block: UInt64(i + 1), price: price, volume0: 10, boughtToken0: i % 2 == 0, liquidity: 1_000))
        }
        p.lastBlock = UInt64(swaps)
        return p
    }

    static func swap(block: UInt64) -> MarketEvent {
        let h = Hash32(bytes: [UInt8](repeating: UInt8(truncatingIfNeeded: block), count: 32))!
        return MarketEvent(id: EventID(chainId: 1, blockHash: h, logIndex: 0, blockNumber: block, transactionHash: h, transactionIndex: 0),
                           emitter: poolAddress, payload: .v2Swap(sender: .zero, to: .zero, amount0In: .zero, amount1In: .zero,
                                                                   amount0Out: .zero, amount1Out: .zero))
    }

    static func plugin(_ p: Float, cooldown: Int64 = 10) throws -> ModelSignal {
        try ModelSignal(parameters: ParameterValues(["threshold": .double(0.6), "cooldown_blocks": .int(cooldown)]),
                        models: ["signal": FixedModel(probability: p)])
    }

    @Test func theDeclaredFeaturesAreTheOnesItComputes() throws {
        let declared = try #require(ModelSignal.modelFeatures["signal"])
        #expect(declared.names == SwapFeatures.names)
        #expect(declared.row(Self.pool(swaps: SwapFeatures.window - 1)) == nil, "too little history")
        let row = try #require(declared.row(Self.pool(swaps: 40)))
        #expect(row.count == SwapFeatures.names.count && row[0] > 0 && row[2] > row[0], "r1 > 0 and r16 > r1 on a steady rise")
        let history = Self.pool(swaps: 40).recentSwaps
        #expect(declared.label(history, 10, 5) == 1 && declared.label(history, 38, 5) == nil)
    }

    @Test func confidentPredictionsSignalOnceAPoolPerCooldown() throws {
        let buy = try Self.plugin(0.9)
        let pool = Self.pool(swaps: 40)
        let first = buy.handle(Self.swap(block: 40), pool: pool)
        guard case .signal(let s)? = first.first else { Issue.record("no signal: \(first)"); return }
        #expect(s.side == .buy && s.pool == Self.poolAddress && s.model?.id == "test/fixed" && abs(s.confidence - 0.9) < 1e-6)
        #expect(buy.handle(Self.swap(block: 45), pool: pool).isEmpty, "within the cooldown")
        #expect(buy.handle(Self.swap(block: 50), pool: pool).count == 1, "after it")
        let sell = try Self.plugin(0.1).handle(Self.swap(block: 40), pool: pool)
        #expect(sell.count == 1 && { if case .signal(let s) = sell[0] { s.side == .sell } else { false } }())
        #expect(try Self.plugin(0.5).handle(Self.swap(block: 40), pool: pool).isEmpty, "not confident")
        #expect(try Self.plugin(.nan).handle(Self.swap(block: 40), pool: pool).isEmpty, "not a number")
    }

    @Test func aModelReadingOtherFeaturesIsRefused() throws {
        var other = FixedModel(probability: 0.9)
        other.featureNames = ["price"]
        #expect(throws: PluginError.self) {
            try ModelSignal(parameters: ParameterValues(defaultsOf: ModelSignal.parameterSpecs), models: ["signal": other])
        }
        let p = try Self.plugin(0.9)
        #expect(!p.replaceModel(role: "signal", with: other) && p.replaceModel(role: "signal", with: FixedModel(probability: 0.2)))
    }
}
