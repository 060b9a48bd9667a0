import Foundation
import SigilChain
import SigilContrib
import SigilCore
import SigilTestSupport
import Testing

/// Seeded mutation fuzzing of update packages: the canonical manifest and the signature a
/// contributor sends. A manifest or a typed error, and a signer or a typed error.
@Suite struct PackageFuzzTests {
    @Test func manifestsAndSignatures() async throws {
        let key = try PrivateKey(bytes: [UInt8](repeating: 0, count: 31) + [4])
        let m = UpdateManifest(modelId: ModelID.parse("sigil/model-signal"), baseVersion: 1, baseHash: .zero, newHash: .zero,
                               metrics: ["trainRows": "100", "validationLoss": "0.61"], dataFingerprint: .zero,
                               contributor: key.address, nonce: "00aa11bb", timestamp: 1_700_000_000)
        let signature = try PersonalMessage.sign(m.canonicalBytes, with: key).bytes
        let r = await Fuzz.run("update manifests", corpus: [m.canonicalBytes], cases: Fuzz.cases(default: 30_000)) { input in
            let parsed = try UpdateManifest(canonical: input)
            #expect(UpdateManifest.isToken(parsed.nonce) && parsed.canonicalBytes == input)
            return true
        }
        #expect(r.accepted > 0 && r.refused > 0)
        var recovered = 0
        let s = await Fuzz.run("package signatures", corpus: [signature], cases: Fuzz.cases(default: 10_000)) { input in
            let signer = try PersonalMessage.signer(of: m.canonicalBytes, signature: try RecoverableSignature(bytes: input))
            if signer == key.address { recovered += 1 }
            return true
        }
        #expect(s.accepted > 0 && s.refused > 0)
    }
}
