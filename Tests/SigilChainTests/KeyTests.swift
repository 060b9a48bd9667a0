import SigilTestSupport
import SigilChain
import SigilCore
import Testing

@Suite struct KeyTests {
    @Test func addressesAndSignaturesAgreeWithEthAccount() async throws {
        let cases = try await Peers.oracle(["keys", "--count", "500", "--seed", "5"])
        #expect(cases.count == 500)
        for c in cases {
            let key = try PrivateKey(bytes: Hex.decode(c["key"] as! String)!)
            #expect(key.address.description == c["address"] as! String)
            let message = Hex.decode(c["message"] as! String)!
            let sig = try PersonalMessage.sign(message, with: key)
            #expect(Hex.encode(sig.bytes) == c["signature"] as! String)  // RFC 6979: identical bytes
            let theirs = try RecoverableSignature(bytes: Hex.decode(c["signature"] as! String)!)
            #expect(try PersonalMessage.signer(of: message, signature: theirs) == key.address)
        }
    }

    @Test func rejectsInvalidKeysAndSignatures() throws {
        #expect(throws: ChainError.self) { try PrivateKey(bytes: [UInt8](repeating: 0, count: 32)) }
        #expect(throws: ChainError.self) { try PrivateKey(bytes: [UInt8](repeating: 0xff, count: 32)) }
        #expect(throws: ChainError.self) { try PrivateKey(bytes: [1, 2, 3]) }
        #expect(throws: ChainError.self) { try RecoverableSignature(bytes: [UInt8](repeating: 1, count: 64) + [29]) }
        let key = try PrivateKey(bytes: [UInt8](repeating: 0, count: 31) + [1])
        #expect(key.address.description == "0x7e5f4552091a69125d5dfcb7b8c2659029395bdf")
        #expect(!key.description.contains("0000000000000000000000000000000000000000000000000000000000000001"))
        let sig = try PersonalMessage.sign(Array("hello".utf8), with: key)
        #expect(try PersonalMessage.signer(of: Array("hellO".utf8), signature: sig) != key.address)
    }
}
