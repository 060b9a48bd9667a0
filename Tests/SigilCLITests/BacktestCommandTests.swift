import Foundation
import SigilCore
import SigilTestSupport
import Testing

/// `sigil backtest`: every bundled detector on the reporting scenario set (never used to tune
/// them), held to the figures the README reports.
@Suite struct BacktestCommandTests {
    struct Report: Decodable {
        struct Detector: Decodable {
            var strategy: String
            var detects: [String]
            var scenarios: Int
            var found: Int
            var alerts: Int
            var precision: Double?
            var recall: Double?
            var responsibleCorrect: Int
            var responsibleChecked: Int
            var falseAlarmsPer10kEvents: Double
        }
        struct Run: Decodable {
            var events: Int
            var frames: Int
        }
        var run: Run
        var detectors: [Detector]
        var scenarios: [String: Int]
    }

    @Test func everyDetectorReachesItsFiguresOnTheReportingSet() async throws {
        let dir = try Fixtures.tempDir("backtest")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let set = Peers.root + "/data/scenarios/reporting"
        let r = try await Peers.sigil(["backtest", Peers.root + "/examples/detectors.yaml", "--labels", set + "/labels.json", "--report", dir])
        #expect(r.status == 0, "\(r.err)")
        let report = try JSONDecoder().decode(Report.self, from: Data(contentsOf: URL(fileURLWithPath: dir + "/report.json")))
        #expect(report.detectors.map(\.strategy).sorted() == ["dump", "honeypot", "rug-pull", "sandwich", "wash-trade"])
        for d in report.detectors {
            #expect(d.scenarios >= 4, "\(d.strategy): the reporting set holds several scenarios of each kind")
            #expect((d.precision ?? 0) >= 0.95, "\(d.strategy): precision \(d.precision ?? 0)")
            #expect((d.recall ?? 0) >= 0.90, "\(d.strategy): recall \(d.recall ?? 0)")
            #expect(d.responsibleChecked > 0 && d.responsibleCorrect == d.responsibleChecked,
                    "\(d.strategy): names the account that acted on every scenario it finds")
            #expect(r.out.contains(d.strategy))
        }
        // Hard negatives are part of the set, so a silent detector is a tested claim.
        for kind in ["round_trip", "around_other_pool", "cross_pool_arbitrage", "jit_liquidity", "legit_launch", "tax_token", "holder_sale", "market_maker"] {
            #expect((report.scenarios[kind] ?? 0) > 0, "\(kind) in the reporting set")
        }
        let html = try String(contentsOfFile: dir + "/report.html", encoding: .utf8)
        #expect(html.contains("<svg") && !html.contains("src=\"http") && !html.contains("href=\"http"), "self-contained")
        #expect(FileManager.default.fileExists(atPath: dir + "/outputs.jsonl"))
    }

    @Test func badInputIsAClearError() async throws {
        let dir = try Fixtures.tempDir("backtest")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let missing = try await Peers.sigil(["backtest", Peers.root + "/examples/detectors.yaml", "--labels", dir + "/none.json", "--report", dir])
        #expect(missing.status == 2 && missing.err.contains("none.json"), "\(missing)")
        try Data("{\"scenarios\": [{\"id\": 1}]}".utf8).write(to: URL(fileURLWithPath: dir + "/bad.json"))
        let bad = try await Peers.sigil(["backtest", Peers.root + "/examples/detectors.yaml", "--labels", dir + "/bad.json", "--report", dir])
        #expect(bad.status == 2 && bad.err.contains("bad.json") && bad.err.contains("scenarios[0]"), "\(bad)")
        let live = try await Peers.sigil(["backtest", Peers.root + "/examples/devnet.yaml", "--report", dir])
        #expect(live.status == 2 && live.err.contains("recordings"), "\(live)")
    }
}
