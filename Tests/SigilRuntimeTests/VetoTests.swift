import Foundation
import SigilBundle
import SigilChain
import SigilCore
import SigilFeeds
import SigilRuntime
import SigilTestSupport
import Testing

/// The bundled configuration on the bundled data: rug-pull alerts veto buy signals.
@Suite struct VetoTests {
    @Test func signalsOnRugPoolsAfterTheirAlertAreVetoedAndRecorded() async throws {
        let (path, dir) = try RunTests.tempConfig()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = try ConfigLoader.load(path: path, components: .bundled)
        let gate = try await ModelGate.check(config)
        #expect(gate.verified.keys.sorted() == ["sigil/model-signal"])
        let engine = try Engine(config: config, models: gate.verified)
        let feed = try #require(config.feeds[0].replay)
        let decoder = FrameDecoder(chainId: try feed.resolvedChainId())
        var records: [OutputRecord] = []
        try Recording(path: feed.path).forEachFrame { frame in
            if case .event(let e, _) = try decoder.decode(frame) { records += engine.process(e) }
        }
        var alertBlock: [Address: UInt64] = [:]
        for r in records { if case .alert(let a) = r.body { alertBlock[a.pool] = a.cause.blockNumber } }
        #expect(alertBlock.count == 3)
        var vetoed = 0, freeBuys = 0
        var filledCauses = Set<EventID>()
        for r in records { if case .fill(let f, _) = r.body { filledCauses.insert(f.cause) } }
        for r in records {
            guard case .signal(let s, let isVetoed) = r.body else { continue }
            if isVetoed { #expect(!filledCauses.contains(s.cause), "a vetoed signal is never filled") }
            if let at = alertBlock[s.pool], s.cause.blockNumber >= at, s.cause.blockNumber <= at + config.risk.vetoBlocks {
                #expect(isVetoed, "a signal on \(s.pool) \(s.cause.blockNumber - at) blocks after its rug-pull alert")
                vetoed += isVetoed ? 1 : 0
            } else {
                #expect(!isVetoed)
                freeBuys += s.side == .buy ? 1 : 0
            }
            #expect(s.model?.id == "sigil/model-signal")
        }
        #expect(vetoed >= 3, "the latecomers' buys after each pull give the model something to signal on")
        #expect(freeBuys > 0)
        #expect(engine.gate.vetoes == vetoed)
    }
}
