import Foundation
import SigilChain
import SigilCore
import SigilModels
import SigilTestSupport
import Testing

/// Registry reads on the devnet (on-chain and from a snapshot of its events); `sigil
/// verify-model` is tested with the other commands in SigilCLITests.
@Suite(.serialized) struct ModelRegistryTests {
    @Test func onChainAndSnapshotAgree() async throws {
        let f = try await RegistryFixture()
        defer { try? FileManager.default.removeItem(atPath: f.dir) }
        let chain = OnChainModelRegistry(rpc: HTTPRPCClient(url: f.devnet.httpURL), address: Address(hex: f.registry)!)
        let snapshot = try ModelRegistrySnapshot(path: f.snapshotPath)
        let id = ModelID.parse("sigil/test-model")
        for source in [chain, snapshot] as [any ModelRegistrySource] {
            let v1 = try await source.entry(model: id, version: .pinned(1))
            #expect(v1.weightsHash == f.modelHash && v1.version == 1 && v1.publisher.description == f.publisher)
            #expect(v1.uri == "file://\(f.modelPath)")
            let latest = try await source.entry(model: id, version: .latest)
            #expect(latest.version == 2 && latest.uri == "file://v2")
            await #expect(throws: RegistryError.self) { try await source.entry(model: id, version: .pinned(3)) }
            await #expect(throws: RegistryError.self) { try await source.entry(model: ModelID.parse("nobody"), version: .latest) }
        }
        #expect(try await chain.entry(model: id, version: .pinned(2)) == snapshot.entry(model: id, version: .pinned(2)))
    }
}
