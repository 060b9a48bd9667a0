import SigilBundle
import SigilCore
import SigilPluginAPI
import SigilRuntime
import SigilTestSupport
import Testing

/// Every bundled plugin with its defaults, fed seeded random blocks of hostile shape (amounts
/// from zero to 2^256 − 1, self-transfers, transfers to and from the zero address, pools and
/// accounts colliding, both-way and flash swaps, burns of more than a pool holds): every
/// event and block is handled without a trap, and the run stays fast.
@Suite struct DetectorFuzzTests {
    static func amount(_ rng: inout SplitMix64) -> UInt256 {
        switch rng.next() % 5 {
        case 0: .zero
        case 1: UInt256(rng.next() % 10)
        case 2: UInt256.max
        default: UInt256(rng.next())
        }
    }

    @Test func randomBlocksThroughEveryPlugin() throws {
        var rng = SplitMix64(seed: Fuzz.seed)
        let addresses = (0..<12).map { BlockBuilder.address(UInt8($0)) }  // includes the zero address
        let plugins = try Components.bundled.plugins.all.filter { $0.modelRoles.isEmpty }.map {
            try $0.init(parameters: ParameterValues(defaultsOf: $0.parameterSpecs), models: [:])
        }
        #expect(plugins.count >= 7)
        let blocks = Fuzz.cases(default: 2_000)
        var simulations = 0
        for n in 0..<blocks {
            var b = BlockBuilder(number: UInt64(100 + n))
            func pick() -> Address { addresses[Int(rng.next() % UInt64(addresses.count))] }
            for _ in 0..<Int(rng.next() % 12) {
                var items: [(Address, MarketEvent.Payload)] = []
                for _ in 0..<Int(1 + rng.next() % 5) {
                    let payload: MarketEvent.Payload
                    switch rng.next() % 6 {
                    case 0: payload = .v2Swap(sender: pick(), to: pick(), amount0In: Self.amount(&rng), amount1In: Self.amount(&rng),
                                              amount0Out: Self.amount(&rng), amount1Out: Self.amount(&rng))
                    case 1: payload = .erc20Transfer(from: pick(), to: pick(), value: Self.amount(&rng))
                    case 2: payload = .v2Burn(sender: pick(), to: pick(), amount0: Self.amount(&rng), amount1: Self.amount(&rng))
                    case 3: payload = .v3Burn(owner: pick(), tickLower: -60, tickUpper: 60, amount: Self.amount(&rng), amount0: Self.amount(&rng), amount1: Self.amount(&rng))
                    case 4: payload = .v3Mint(sender: pick(), owner: pick(), tickLower: -60, tickUpper: 60, amount: Self.amount(&rng), amount0: Self.amount(&rng), amount1: Self.amount(&rng))
                    default: payload = .v2Mint(sender: pick(), amount0: Self.amount(&rng), amount1: Self.amount(&rng))
                    }
                    items.append((pick(), payload))
                }
                b.tx(items)
            }
            for e in b.events where e.payload.kind == "erc20.transfer" {
                var t = TokenSnapshot(address: e.emitter, firstBlock: 1)
                t.pools = [pick(), pick()]
                t.minted = Self.amount(&rng)
                t.firstMintTo = rng.next() % 2 == 0 ? pick() : nil
                b.tokens[e.emitter] = t
            }
            for p in plugins {
                for e in b.events where p.eventKinds.contains(e.payload.kind) && e.payload.kind != "erc20.transfer" {
                    var pool = PoolSnapshot(address: e.emitter, dex: e.payload.kind.hasPrefix("v3") ? .uniswapV3 : .uniswapV2)
                    pool.createdBlock = rng.next() % 2 == 0 ? UInt64(90 + n) : nil
                    pool.reserve0 = Self.amount(&rng)
                    pool.positionLiquidity = Double(rng.next() % 1_000)
                    _ = p.handle(e, pool: pool)
                }
                var asked = p.blockClosed(b.block).compactMap { if case .simulate(let r) = $0 { r } else { nil } }
                asked += asked.isEmpty ? [] : [SimulationRequest(kind: .v2RoundTrip, pool: pick(), token: pick(), block: UInt64(100 + n),
                                                                 cause: b.events.first?.id ?? asked[0].cause)]
                if let first = b.events.first, rng.next() % 4 == 0 {
                    asked.append(SimulationRequest(kind: .v2RoundTrip, pool: pick(), token: b.events.last?.emitter ?? pick(), block: UInt64(100 + n), cause: first.id))
                }
                // Any answer at all (amounts up to 2^256 − 1, any outcome, any reason) is taken without a trap.
                for r in asked {
                    let outcomes: [SimulationResult.Outcome] = [.roundTrip, .notSimulable, .buyReverted, .sellReverted, .sellSwapReverted, .failed]
                    var answer = SimulationResult(outcome: outcomes[Int(rng.next() % 6)], reason: rng.next() % 2 == 0 ? "" : "\u{1b}[31mX\n")
                    (answer.spent, answer.buyExpected, answer.buyReceived) = (Self.amount(&rng), Self.amount(&rng), Self.amount(&rng))
                    (answer.sellArrived, answer.sellExpected, answer.sellReceived) = (Self.amount(&rng), Self.amount(&rng), Self.amount(&rng))
                    #expect(answer.buyTax >= 0 && answer.buyTax <= 1 && answer.sellTax >= 0 && answer.sellTax <= 1)
                    _ = p.simulated(answer, for: r)
                    simulations += 1
                }
            }
        }
        #expect(simulations > 0)
    }
}
