import Foundation
import SigilCore
import SigilRuntime
import Testing

/// The dashboard's log: each reader gets what it has not had, once; alerts are kept apart from
/// the flood of signals and fills; every part stays within its limits however long the run; and
/// what plugins say (any text) comes out as valid JSON.
@Suite struct DashboardLogTests {
    static func cause(_ block: UInt64, _ log: UInt32) -> EventID {
        EventID(chainId: 1, blockHash: Hash32(w0: block, w1: 0, w2: 0, w3: 1), logIndex: log, blockNumber: block,
                transactionHash: Hash32(w0: 9, w1: 9, w2: 9, w3: 9), transactionIndex: 0)
    }

    static func signal(_ block: UInt64) -> OutputRecord {
        OutputRecord(strategy: "signals", plugin: "model-signal", body: .signal(Signal(side: .buy, pool: Address(hi: 1, mid: 2, lo: 3), confidence: 0.6,
                                                                                        model: nil, metadata: [:], cause: cause(block, 0)), vetoed: false))
    }

    static func alert(_ block: UInt64, _ text: String) -> OutputRecord {
        OutputRecord(strategy: "rug", plugin: "rug-pull-guard", body: .alert(Alert(
            alertId: "X", name: text, description: text, severity: .critical, kind: .exploit, pool: Address(hi: 1, mid: 2, lo: 3),
            addresses: [], labels: [], metadata: ["why": text], cause: cause(block, 1))))
    }

    /// The reader's next update, parsed (failing when there is none or it is not JSON).
    static func next(_ log: DashboardLog, _ cursor: inout DashboardLog.Cursor) throws -> [String: Any] {
        let text = try #require(log.update(since: &cursor))
        return try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func readersGetEachChangeOnceAndAlertsOutliveSignals() throws {
        var limits = DashboardLog.Limits()
        limits.outputs = 10
        limits.alerts = 3
        let log = DashboardLog(limits: limits)
        var early = DashboardLog.Cursor()
        #expect(log.update(since: &early) != nil)  // the empty state, once
        #expect(log.update(since: &early) == nil)

        let hostile = "</script><img src=x onerror=alert(1)>\"\\\n\u{0}\u{2028}🦄"
        log.committed([Self.alert(1, hostile)] + (2...40).map { Self.signal($0) })
        log.blockClosed(40, prices: [Address(hi: 1, mid: 2, lo: 3): 1.5, Address(hi: 4, mid: 5, lo: 6): .infinity], equity: 100)
        let first = try Self.next(log, &early)
        let outputs = try #require(first["outputs"] as? [[String: Any]])
        // The alert came first and is kept; of the 39 signals, the newest 10.
        #expect(outputs.count == 11)
        let alert = try #require(outputs.first?["alert"] as? [String: Any])
        #expect(alert["description"] as? String == hostile)
        #expect((outputs.last?["event"] as? [String: Any])?["blockNumber"] as? Int == 40)
        // A price that is not a number is not drawn.
        let prices = try #require(first["prices"] as? [[String: Any]])
        #expect(prices.count == 1)
        #expect(log.update(since: &early) == nil)

        // A reader that joins later gets the state; the first only what came after.
        log.committed([Self.signal(41)])
        let next = try Self.next(log, &early)
        #expect((next["outputs"] as? [Any])?.count == 1)
        let series = try #require((next["prices"] as? [[String: Any]])?.first?["series"] as? [String: Any])
        #expect((series["points"] as? [Any])?.isEmpty == true && series["reset"] as? Bool == false)
        var late = DashboardLog.Cursor()
        let joined = try Self.next(log, &late)
        #expect((joined["outputs"] as? [Any])?.count == 11)
        #expect(((joined["prices"] as? [[String: Any]])?.first?["series"] as? [String: Any])?["reset"] as? Bool == true)

        // Alerts are bounded apart: four more keep the newest three (a reader that was behind
        // gets those three).
        log.committed((50...53).map { Self.alert($0, "a\($0)") })
        let again = try Self.next(log, &late)
        #expect((again["outputs"] as? [Any])?.count == 3)
        var fresh = DashboardLog.Cursor()
        let all = try #require(try Self.next(log, &fresh)["outputs"] as? [[String: Any]])
        #expect(all.compactMap { ($0["alert"] as? [String: Any])?["name"] as? String } == ["a51", "a52", "a53"])
        #expect(all.count == 13)
    }

    @Test func seriesAndPoolsStayBoundedOverALongRun() throws {
        var limits = DashboardLog.Limits()
        limits.pools = 4
        limits.pointsPerSeries = 64
        let log = DashboardLog(limits: limits)
        var reader = DashboardLog.Cursor()
        var resets = 0
        var points: [UInt64: [[Double]]] = [:]
        for block in UInt64(1)...100_000 {
            let pools = (0..<8).map { Address(hi: $0, mid: 0, lo: 0) }
            log.blockClosed(block, prices: Dictionary(uniqueKeysWithValues: pools.map { ($0, Double(block)) }), equity: Double(block))
            if block % 997 == 0 || block == 100_000 {
                let u = try Self.next(log, &reader)
                let prices = try #require(u["prices"] as? [[String: Any]])
                #expect(prices.count == 4 && u["poolsNotShown"] as? Int ?? 0 > 0)
                for p in prices {
                    let s = try #require(p["series"] as? [String: Any])
                    let got = try #require(s["points"] as? [[Double]])
                    let key = UInt64((p["pool"] as? String)?.hashValue.magnitude ?? 0)
                    if s["reset"] as? Bool == true {
                        resets += 1
                        points[key] = got
                    } else {
                        points[key, default: []] += got
                    }
                }
            }
        }
        #expect(resets > 4)
        for (_, series) in points {
            #expect(series.count < 64)
            let blocks = series.map { $0[0] }
            #expect(blocks == blocks.sorted() && Set(blocks).count == blocks.count)
            #expect(blocks.last ?? 0 > 90_000)  // thinned, still reaching the end
        }
        // A block seen again (a rewound one) does not move a series back.
        log.blockClosed(10, prices: [Address(hi: 0, mid: 0, lo: 0): -1], equity: -1)
        let u = try Self.next(log, &reader)
        #expect(((u["equity"] as? [String: Any])?["points"] as? [Any])?.isEmpty == true)
    }
}
