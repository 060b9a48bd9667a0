import Foundation
import RugPullGuard
import SigilChain
import SigilCore
import SigilFeeds
import SigilPluginAPI
import SigilRuntime
import SigilTestSupport
import Testing

/// rug-pull-guard on the bundled recording, judged against the scenario labels.
@Suite struct RugPullGuardTests {
    static func json(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: Peers.root + "/data/replay/" + name))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    /// Runs the recording through the pool book and the plugin.
    static func alerts(_ plugin: RugPullGuard) throws -> [Alert] {
        let manifest = try json("manifest.json")
        let decoder = FrameDecoder(chainId: (manifest["chainId"] as! NSNumber).uint64Value)
        let recording = try Recording(path: Peers.root + "/data/replay/sigil-scenarios.jsonl.gz")
        var book = PoolBook()
        var out: [Alert] = []
        try recording.forEachFrame { frame in
            guard case .event(let e, _) = try decoder.decode(frame), let pool = book.apply(e) else { return }
            guard plugin.eventKinds.contains(e.payload.kind) else { return }
            for case .alert(let a) in plugin.handle(e, pool: pool) { out.append(a) }
        }
        return out
    }

    @Test func alertsOnEveryLabelledRugPullAndNothingElse() throws {
        let labels = (try Self.json("labels.json")["scenarios"] as! [[String: Any]])
        let rugPools = Set(labels.filter { $0["kind"] as! String == "rug_pull" }.map { $0["pool"] as! String })
        let controls = Set(labels.filter { $0["kind"] as! String == "legit_launch" }.map { $0["pool"] as! String })
        #expect(rugPools.count == 3 && controls.count == 1)
        let alerts = try Self.alerts(RugPullGuard())
        #expect(Set(alerts.map { $0.pool.description }) == rugPools)
        #expect(alerts.count == rugPools.count, "one alert per pool")
        for a in alerts {
            #expect(a.severity == .critical && a.kind == .scam && a.alertId == "SIGIL-RUG-PULL-1")
            let label = labels.first { $0["pool"] as? String == a.pool.description }!
            // the alert is caused by the labelled pull transaction
            let pulls = (label["txs"] as! [[String: Any]]).filter { $0["role"] as! String == "pull" }.map { $0["hash"] as! String }
            #expect(pulls.contains(a.cause.transactionHash.description))
            if label["dex"] as! String == "v2" {
                #expect(a.addresses.contains { $0.description == label["creator"] as! String }, "names who took the liquidity")
            }
        }
    }

    @Test func aStricterThresholdSparesTheSmallerPulls() throws {
        // The labelled pulls take 92–95%; at 96% none qualifies.
        #expect(try Self.alerts(RugPullGuard(parameters: .init(minShare: 0.96))).isEmpty)
        // Pools older than the age limit are not judged.
        #expect(try Self.alerts(RugPullGuard(parameters: .init(maxAgeBlocks: 5))).isEmpty)
    }
}
