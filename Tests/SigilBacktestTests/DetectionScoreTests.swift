import Foundation
import SigilBacktest
import SigilCore
import SigilTestSupport
import Testing

/// The backtest's scoring, on hand-made labels and outputs (the binary's run on a real
/// scenario set is in SigilCLITests).
@Suite struct DetectionScoreTests {
    static func scenario(_ id: String, _ kind: String, pool: String, txs: [(String, UInt64)], responsible: String? = nil,
                         resembles: [String]? = nil) -> ScenarioLabels.Scenario {
        ScenarioLabels.Scenario(id: id, kind: kind, pool: pool, token: nil, responsible: responsible, attacker: nil, recipient: nil,
                                owner: nil, holder: nil, creator: nil, addresses: nil, resembles: resembles,
                                txs: txs.map { .init(hash: $0.0, role: "x", block: $0.1, status: 1) })
    }

    static func alert(_ key: String, pool: String, block: UInt64, tx: String, responsible: String) -> AlertRecord {
        AlertRecord(key: key, strategy: "s", plugin: "p", alertId: "A", severity: "high", description: "d", pool: pool, block: block,
                    transaction: tx, addresses: [responsible], metadata: ["responsible": responsible])
    }

    @Test func alertsAreMatchedByTransactionOrBlockRangeAndScored() {
        let labels = ScenarioLabels(chainId: 1, scenarios: [
            Self.scenario("sandwich-1", "sandwich", pool: "0xp1", txs: [("0xa", 10), ("0xb", 10)], responsible: "0xbad"),
            Self.scenario("sandwich-2", "sandwich", pool: "0xp2", txs: [("0xc", 50)], responsible: "0xbad"),
            Self.scenario("sandwich-3", "sandwich", pool: "0xp3", txs: [("0xd", 70)], responsible: "0xbad"),
            Self.scenario("round_trip-1", "round_trip", pool: "0xp4", txs: [("0xe", 80)], resembles: ["sandwich"]),
        ])
        let alerts = [
            Self.alert("k1", pool: "0xp1", block: 10, tx: "0xb", responsible: "0xbad"),     // by transaction
            Self.alert("k2", pool: "0xp2", block: 55, tx: "0xzz", responsible: "0xrouter"), // by block range, wrong account
            Self.alert("k3", pool: "0xp4", block: 80, tx: "0xe", responsible: "0xok"),      // on a hard negative
            Self.alert("k4", pool: "0xp9", block: 90, tx: "0xf", responsible: "0xok"),      // on clean flow
        ]
        let s = DetectionScore.score(strategy: "s", plugin: "p", detects: ["sandwich"], alerts: alerts, labels: labels, events: 20_000)
        #expect(s.truePositives == 2 && s.falsePositives == 2 && s.found == 2 && s.scenarios == 3)
        #expect(s.precision == 0.5 && abs((s.recall ?? 0) - 2.0 / 3.0) < 1e-12)
        #expect(abs((s.f1 ?? 0) - 2 * 0.5 * (2.0 / 3.0) / (0.5 + 2.0 / 3.0)) < 1e-12)
        #expect(s.responsibleCorrect == 1 && s.responsibleChecked == 2 && s.wrongAccounts.map(\.named) == ["0xrouter"])
        #expect(s.misses.map(\.scenario) == ["sandwich-3"])
        #expect(s.detections.map(\.scenario) == ["sandwich-1", "sandwich-2"] && s.detections.map(\.alertKey) == ["k1", "k2"])
        #expect(s.hardNegatives["round_trip"]?.scenarios == 1 && s.hardNegatives["round_trip"]?.alerted == 1)
        #expect(s.falseAlarms.map(\.scenario) == ["round_trip-1", nil])
        #expect(s.falseAlarmsPer10kEvents == 1.0)
    }

    @Test func noAlertsAndNoLabelsGiveNoFigureRatherThanAFalseOne() {
        let s = DetectionScore.score(strategy: "s", plugin: "p", detects: ["honeypot"], alerts: [],
                                     labels: ScenarioLabels(chainId: nil, scenarios: []), events: 0)
        #expect(s.precision == nil && s.recall == nil && s.f1 == nil && s.falseAlarmsPer10kEvents == 0)
    }

    @Test func theOutputsFileIsReadWithRetractionsAndBadLinesNamed() throws {
        let dir = try Fixtures.tempDir("score")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func line(_ key: String) -> String {
            #"{"alert":{"addresses":["0xAA"],"alertId":"A","description":"d","labels":[],"metadata":{},"name":"n","pool":"0xP","severity":"high","type":"scam"},"event":{"blockHash":"0x1","blockNumber":7,"chainId":1,"logIndex":0,"transactionHash":"0xT"},"key":"\#(key)","plugin":"p","strategy":"s","type":"alert"}"#
        }
        let text = [line("a"), line("b"), #"{"type":"retraction","key":"retraction:1","retracts":"a"}"#, line("c"),
                    #"{"type":"signal","key":"sig"}"#].joined(separator: "\n")
        try text.write(toFile: dir + "/o.jsonl", atomically: true, encoding: .utf8)
        let alerts = try AlertRecord.read(jsonl: dir + "/o.jsonl")
        #expect(alerts.map(\.key) == ["b", "c"])
        #expect(alerts.first?.pool == "0xp" && alerts.first?.addresses == ["0xaa"] && alerts.first?.block == 7)
        try (text + "\n{not json").write(toFile: dir + "/bad.jsonl", atomically: true, encoding: .utf8)
        #expect(throws: BacktestError.self) { try AlertRecord.read(jsonl: dir + "/bad.jsonl") }
        do { _ = try AlertRecord.read(jsonl: dir + "/bad.jsonl") } catch { #expect("\(error)".contains("bad.jsonl:6")) }
    }

    @Test func aMalformedLabelsFileNamesTheField() throws {
        let dir = try Fixtures.tempDir("labels")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try #"{"scenarios":[{"id":"x","kind":"sandwich","txs":[{"hash":"0x1"}]}]}"#.write(toFile: dir + "/l.json", atomically: true, encoding: .utf8)
        do { _ = try ScenarioLabels.load(dir + "/l.json"); Issue.record("accepted") } catch {
            #expect("\(error)".contains("scenarios[0].txs[0].role is missing"), "\(error)")
        }
        #expect(throws: (any Error).self) { try ScenarioLabels.load(dir + "/none.json") }
    }
}
