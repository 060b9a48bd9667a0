import SigilTestSupport
import BigInt
import SigilChain
import SigilCore
import Testing

@Suite struct ABITests {
    /// Builds the ABIValue an oracle case describes (ints as decimal strings, bytes as hex).
    static func value(_ t: ABIType, _ j: Any) throws -> ABIValue {
        switch t {
        case .uint: return .uint(BigUInt(j as! String)!)
        case .int: return .int(BigInt(j as! String)!)
        case .address: return .address(Address(hex: j as! String)!)
        case .bool: return .bool(j as! Bool)
        case .fixedBytes: return .fixedBytes(Hex.decode(j as! String)!)
        case .bytes: return .bytes(Hex.decode(j as! String)!)
        case .string: return .string(j as! String)
        case .array(let et), .fixedArray(let et, _): return .array(try (j as! [Any]).map { try value(et, $0) })
        case .tuple(let ts): return .tuple(try zip(ts, j as! [Any]).map { try value($0, $1) })
        }
    }

    @Test func agreesWithEthAbiOn10000Cases() async throws {
        let cases = try await Peers.oracle(["abi", "--count", "10000", "--seed", "23"])
        #expect(cases.count == 10_000)
        var encodeMismatch = 0, decodeMismatch = 0
        for c in cases {
            let types = try (c["types"] as! [String]).map { try ABIType(parsing: $0) }
            let values = try zip(types, c["values"] as! [Any]).map { try Self.value($0, $1) }
            let expected = c["encoded"] as! String
            if Hex.encode(try ABI.encode(types, values)) != expected {
                encodeMismatch += 1
                if encodeMismatch < 3 { Issue.record("encode differs for \(c["types"]!)") }
            }
            if try ABI.decode(types, Hex.decode(expected)!) != values {
                decodeMismatch += 1
                if decodeMismatch < 3 { Issue.record("decode differs for \(c["types"]!)") }
            }
        }
        #expect(encodeMismatch == 0)
        #expect(decodeMismatch == 0)
    }

    @Test func typeParsing() throws {
        #expect(try ABIType(parsing: "(uint256,bytes)[2][]") == .array(.fixedArray(.tuple([.uint(256), .bytes]), 2)))
        #expect(try ABIType(parsing: "uint") == .uint(256))
        for bad in ["uint7", "uint264", "int0", "bytes33", "bytes0", "(uint8", "uint8[", "address[0]", "foo", "uint8]"] {
            #expect(throws: ChainError.self, "\(bad)") { try ABIType(parsing: bad) }
        }
    }

    @Test func encodingRejectsOutOfRangeValues() {
        #expect(throws: ChainError.self) { try ABI.encode([.uint(8)], [.uint(256)]) }
        #expect(throws: ChainError.self) { try ABI.encode([.int(8)], [.int(128)]) }
        #expect(throws: ChainError.self) { try ABI.encode([.int(8)], [.int(-129)]) }
        #expect(throws: ChainError.self) { try ABI.encode([.fixedBytes(4)], [.fixedBytes([1, 2, 3])]) }
        #expect(throws: ChainError.self) { try ABI.encode([.fixedArray(.bool, 2)], [.array([.bool(true)])]) }
        #expect(throws: ChainError.self) { try ABI.encode([.address], [.bool(true)]) }
    }

    @Test func decodingRejectsMalformedData() throws {
        let word = { (b: UInt8) in [UInt8](repeating: 0, count: 31) + [b] }
        #expect(throws: ChainError.self) { try ABI.decode([.uint(256)], [1, 2, 3]) }  // short
        #expect(throws: ChainError.self) { try ABI.decode([.bool], word(2)) }
        #expect(throws: ChainError.self) { try ABI.decode([.uint(8)], [UInt8](repeating: 0, count: 30) + [1, 0]) }
        #expect(throws: ChainError.self) { try ABI.decode([.address], [1] + [UInt8](repeating: 0, count: 31)) }
        // int8 -1 must be sign-extended
        #expect(throws: ChainError.self) { try ABI.decode([.int(8)], [UInt8](repeating: 0, count: 31) + [0xff]) }
        #expect(try ABI.decode([.int(8)], [UInt8](repeating: 0xff, count: 32)) == [.int(-1)])
        // dynamic offset past the end, huge length, non-zero padding, invalid UTF-8
        #expect(throws: ChainError.self) { try ABI.decode([.bytes], word(64)) }
        #expect(throws: ChainError.self) { try ABI.decode([.bytes], word(32) + [UInt8](repeating: 0xff, count: 32)) }
        #expect(throws: ChainError.self) { try ABI.decode([.bytes], word(32) + word(1) + [7] + [UInt8](repeating: 0, count: 30) + [1]) }
        #expect(throws: ChainError.self) { try ABI.decode([.string], word(32) + word(1) + [0xff] + [UInt8](repeating: 0, count: 31)) }
        #expect(throws: ChainError.self) { try ABI.decode([.array(.uint(256))], word(32) + word(200)) }
    }

    @Test func selectorAndCalldata() throws {
        #expect(ABI.selector("transfer(address,uint256)") == [0xa9, 0x05, 0x9c, 0xbb])
        let data = try ABI.call("balanceOf(address)", [.address], [.address(Address(hex: "0x" + String(repeating: "11", count: 20))!)])
        #expect(data.count == 36)
    }
}
