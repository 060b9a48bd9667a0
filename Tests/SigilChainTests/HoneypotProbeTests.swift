import BigInt
import Foundation
import SigilChain
import SigilCore
import SigilTestSupport
import Testing

/// The `eth_call` round trip against real Uniswap V2 pairs on the devnet: a plain token, a
/// token taxing sells 30%, and an armed honeypot.
@Suite(.serialized) struct HoneypotProbeTests {
    struct Setup {
        let devnet: DevnetProcess
        let weth: Address
        let pairs: [String: Address], tokens: [String: Address]
        let armedBlock: UInt64
    }

    static func setUp() async throws -> Setup {
        let devnet = try await DevnetProcess(seed: 41)
        let d = try await devnet.drive(["honeypots", "--buyers", "6", "--tax-bps", "3000"])
        func addresses(_ key: String) throws -> [String: Address] {
            let raw = try #require(d[key] as? [String: String])
            return try raw.mapValues { try #require(Address(hex: $0)) }
        }
        return Setup(devnet: devnet, weth: try #require((d["weth"] as? String).flatMap { Address(hex: $0) }),
                     pairs: try addresses("pairs"), tokens: try addresses("tokens"),
                     armedBlock: UInt64(try #require(d["armed_block"] as? Int)))
    }

    @Test func aRoundTripTellsAPlainTokenATaxAndAHoneypotApart() async throws {
        let s = try await Self.setUp()
        let probe = HoneypotProbe(rpc: HTTPRPCClient(url: s.devnet.httpURL), weth: s.weth, offerEth: 0.5)

        let plain = await probe.roundTrip(pool: s.pairs["plain"]!, token: s.tokens["plain"]!, block: nil)
        #expect(plain.outcome == .roundTrip, "\(plain)")
        // 1% of the pool's 40.6 WETH (40 added, six buys of 0.1), less than the 0.5 offered.
        #expect(plain.spent == UInt256(406_000_000_000_000_000))
        #expect(plain.buyReceived == plain.buyExpected && plain.buyReceived > .zero)
        #expect(plain.buyTax == 0 && plain.sellTax == 0)
        // Two 0.3% fees and the probe's own price impact, nothing else.
        #expect(plain.roundTripLoss > 0.005 && plain.roundTripLoss < 0.008, "\(plain.roundTripLoss)")
        #expect(!plain.trapsBuyers(maxTax: 0.25))

        let tax = await probe.roundTrip(pool: s.pairs["tax"]!, token: s.tokens["tax"]!, block: nil)
        #expect(tax.outcome == .roundTrip, "\(tax)")
        #expect(abs(tax.sellTax - 0.30) < 0.0001, "\(tax.sellTax)")
        #expect(tax.buyTax == 0)
        #expect(tax.roundTripLoss > 0.30)
        #expect(tax.trapsBuyers(maxTax: 0.25) && !tax.trapsBuyers(maxTax: 0.35))
        #expect(tax.evidence["simulationSellTax"] == "0.3")

        let honey = await probe.roundTrip(pool: s.pairs["honeypot"]!, token: s.tokens["honeypot"]!, block: nil)
        #expect(honey.outcome == .sellReverted, "\(honey)")
        #expect(honey.reason == "TRANSFER_FAILED")
        #expect(honey.buyReceived > .zero, "the buy went through")
        #expect(honey.trapsBuyers(maxTax: 0.99))

        // Against the state before the trap was armed, the same token sold back.
        let before = await probe.roundTrip(pool: s.pairs["honeypot"]!, token: s.tokens["honeypot"]!, block: s.armedBlock - 1)
        #expect(before.outcome == .roundTrip, "\(before)")
        #expect(before.sellTax == 0)
    }

    @Test func whatIsNotAPairOrNotANodeGivesAFailedResultSayingWhy() async throws {
        let s = try await Self.setUp()
        let probe = HoneypotProbe(rpc: HTTPRPCClient(url: s.devnet.httpURL), weth: s.weth)
        // A pair of another token: nothing to simulate.
        let other = await probe.roundTrip(pool: s.pairs["plain"]!, token: s.tokens["tax"]!, block: nil)
        #expect(other.outcome == .notSimulable)
        #expect(!other.trapsBuyers(maxTax: 0.01))
        // A token contract is no pair: the probe's first call reverts without figures.
        let token = await probe.roundTrip(pool: s.tokens["plain"]!, token: s.tokens["plain"]!, block: nil)
        #expect(token.outcome == .failed)
        #expect(token.reason.contains("without the probe's figures"), "\(token.reason)")
        // A block the chain does not have.
        let future = await probe.roundTrip(pool: s.pairs["plain"]!, token: s.tokens["plain"]!, block: 1_000_000)
        #expect(future.outcome == .failed, "\(future)")
        // A node that is not there.
        let gone = HoneypotProbe(rpc: HTTPRPCClient(url: "http://127.0.0.1:1"), weth: s.weth, timeout: .seconds(2))
        let none = await gone.roundTrip(pool: s.pairs["plain"]!, token: s.tokens["plain"]!, block: nil)
        #expect(none.outcome == .failed)
        #expect(none.reason.contains("did not answer"), "\(none.reason)")
    }

    /// Revert data is what a node (or whoever answers in its place) says: any bytes at all end
    /// in a result, never a trap; only the probe's own shape reads as figures.
    @Test func hostileRevertDataNeverTraps() throws {
        var rng = SplitMix64(seed: Fuzz.seed)
        let selector = Array(ABI.selector("SigilProbe(uint256[8],bytes)"))
        for _ in 0..<Fuzz.cases(default: 3_000) {
            let n = Int(rng.next() % 700)
            var data = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let prefixed = rng.next() % 2 == 0
            if prefixed { data = selector + data } else if data.count >= 4, Array(data.prefix(4)) == selector { data[0] ^= 1 }
            let r = HoneypotProbe.decode(data)
            if !prefixed { #expect(r.outcome == .failed) }
            #expect(r.buyTax >= 0 && r.buyTax <= 1 && r.sellTax >= 0 && r.sellTax <= 1)
        }
        // Well-formed figures with any stage and amounts, including the largest.
        let max = BigUInt(1) << 256 - 1
        for stage in 0..<6 {
            let words: [ABIValue] = [.uint(BigUInt(stage)), .uint(max), .uint(max), .uint(0), .uint(max), .uint(1), .uint(max), .uint(0)]
            let data = selector + (try ABI.encode([.fixedArray(.uint(256), 8), .bytes], [.array(words), .bytes(Array("x".utf8))]))
            let r = HoneypotProbe.decode(data)
            #expect(r.outcome == (stage == 5 ? .failed : [.roundTrip, .notSimulable, .buyReverted, .sellReverted, .sellSwapReverted][min(stage, 4)]))
            #expect(r.sellTax >= 0 && r.sellTax <= 1 && r.roundTripLoss >= 0 && r.roundTripLoss <= 1)
        }
    }
}
