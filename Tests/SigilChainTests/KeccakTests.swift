import SigilTestSupport
import SigilChain
import SigilCore
import Testing

@Suite struct KeccakTests {
    @Test func knownVectors() {
        #expect(Hex.encode(Keccak256.hash([UInt8]())) == "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")
        #expect(Hex.encode(Keccak256.hash("Transfer(address,address,uint256)"))
                == "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef")
    }

    @Test func agreesWithPycryptodomeOn10000Inputs() async throws {
        let cases = try await Peers.oracle(["keccak", "--count", "10000", "--seed", "11"])
        #expect(cases.count == 10_000)
        var mismatches = 0
        for c in cases {
            let input = Hex.decode(c["input"] as! String)!
            if Hex.encode(Keccak256.hash(input)) != c["keccak256"] as! String { mismatches += 1 }
        }
        #expect(mismatches == 0)
    }

    @Test func streamingEqualsOneShot() {
        let data = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        for split in [0, 1, 135, 136, 137, 500, 1000] {
            var k = Keccak256()
            k.update(data[..<split])
            data[split...].withUnsafeBytes { k.update($0) }
            #expect(k.finalize() == Keccak256.hash(data))
        }
    }
}
