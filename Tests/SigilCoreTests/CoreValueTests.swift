import SigilCore
import Testing

@Suite struct CoreValueTests {
    @Test func uint256DecimalRoundTrip() {
        for s in ["0", "1", "18446744073709551615", "18446744073709551616", "340282366920938463463374607431768211456",
                  "115792089237316195423570985008687907853269984665640564039457584007913129639935"] {
            #expect(UInt256(decimal: s)?.description == s)
        }
        #expect(UInt256(decimal: "115792089237316195423570985008687907853269984665640564039457584007913129639936") == nil)
        #expect(UInt256(decimal: "12a") == nil)
        #expect(UInt256.max.bitWidth == 256 && UInt256(1).bitWidth == 1 && UInt256.zero.bitWidth == 0)
    }

    /// Sums and differences of amounts carry across limbs; a sum past 2^256 saturates, a
    /// difference below zero is nil, never a trap.
    @Test func uint256SumsAndDifferencesAcrossLimbs() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<10_000 {
            // Values below 2^192 so sums are exact; compare with decimal arithmetic on halves.
            let a = UInt256(l0: rng.next(), l1: rng.next(), l2: rng.next() >> 1, l3: 0)
            let b = UInt256(l0: rng.next(), l1: rng.next(), l2: rng.next() >> 1, l3: 0)
            let sum = a.addingSaturated(b)
            #expect(sum.subtracting(b) == a && sum.subtracting(a) == b)
            #expect((a < b) == (a.subtracting(b) == nil))
        }
        #expect(UInt256.max.addingSaturated(UInt256(1)) == .max)
        #expect(UInt256(l0: .max, l1: .max, l2: .max, l3: 0).addingSaturated(UInt256(1)) == UInt256(l0: 0, l1: 0, l2: 0, l3: 1))
        #expect(UInt256(l0: 0, l1: 0, l2: 0, l3: 1).subtracting(UInt256(1)) == UInt256(l0: .max, l1: .max, l2: .max, l3: 0))
        #expect(UInt256(5).subtracting(UInt256(6)) == nil)
    }

    @Test func int256TwosComplement() {
        #expect(Int256(-1).description == "-1")
        #expect(Int256(Int64.min).description == "-9223372036854775808")
        #expect(Int256(bits: UInt256(l0: 0, l1: 0, l2: 0, l3: 1 << 63)).description
                == "-57896044618658097711785492504343953926634992332820282019728792003956564819968")
        #expect(Int256(-5) < Int256(3) && Int256(3) < Int256(4) && Int256(-5) < Int256(-4))
        #expect(Int256(-2).doubleValue == -2)
    }

    @Test func addressesAndHashes() {
        let a = Address(hex: "0x0CAD765D4C2971DC0AC1B87358333B6F82B70D5E")!
        #expect(a.description == "0x0cad765d4c2971dc0ac1b87358333b6f82b70d5e")
        #expect(Address(bytes: a.bytes) == a)
        #expect(Address(hex: "0x12") == nil && Address(hex: "0x" + String(repeating: "g", count: 40)) == nil)
        let h = Hash32(hex: "0x" + String(repeating: "ab", count: 32))!
        #expect(Hash32(bytes: h.bytes) == h && h.description == "0x" + String(repeating: "ab", count: 32))
        #expect(UInt256(word: h).word == h)
    }

    @Test func eventIDIdentityIsChainBlockHashAndLogIndex() {
        let a = EventID(chainId: 1, blockHash: .zero, logIndex: 3, blockNumber: 10, transactionHash: .zero, transactionIndex: 0)
        var b = a
        b.blockNumber = 11
        #expect(a == b && a.hashValue == b.hashValue)
        b.blockHash = Hash32(w0: 0, w1: 0, w2: 0, w3: 1)
        #expect(a != b)
    }

    @Test func hexQuantities() {
        #expect(Hex.quantity("0x0") == 0 && Hex.quantity("0x1f") == 31 && Hex.quantity("0x") == nil && Hex.quantity("12") == nil)
        #expect(Hex.quantity(255) == "0xff")
        #expect(Hex.decode("0xAbCd") == [0xab, 0xcd] && Hex.decode("0xabc") == nil)
    }
}
