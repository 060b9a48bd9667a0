import Foundation
import SigilCore
import SigilTestSupport
import Testing

/// `sigil backtest`: every bundled detector on the reporting scenario set (never used to tune
/// them), held to the figures the README reports; the signal strategies traded on paper, the
/// model walk-forward.
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
            struct WrongAccount: Decodable { var scenario: String; var named: String }
            var wrongAccounts: [WrongAccount]
        }
        struct Run: Decodable {
            var events: Int
            var frames: Int
        }
        struct Signals: Decodable {
            struct Fold: Decodable {
                var index: Int
                var trainedBefore: UInt64
                var testFrom: UInt64
                var testUntil: UInt64
                var trainingRows: Int
                var weights: [String: String]
            }
            struct Figures: Decodable {
                var strategy: String
                var role: String
                var signals: Int
                var executed: Int
                var hitRate: Double?
                var pnl: Double
                var sharpe: Double?
                var maxDrawdown: Double
                var turnover: Double
            }
            var testFrom: UInt64
            var testUntil: UInt64
            var pools: [String]
            var folds: [Fold]
            var strategies: [Figures]
        }
        var run: Run
        var detectors: [Detector]
        var scenarios: [String: Int]
        var signals: Signals?
    }

    struct Labels: Decodable {
        struct Scenario: Decodable { var id: String; var kind: String; var addresses: [String]? }
        var scenarios: [Scenario]
    }

    struct OutputLine: Decodable {
        struct Event: Decodable { var blockNumber: UInt64 }
        struct Body: Decodable {
            struct Model: Decodable { var weightsHash: String }
            var model: Model?
        }
        var type: String
        var strategy: String?
        var event: Event?
        var signal: Body?
    }

    @Test func everyDetectorReachesItsFiguresOnTheReportingSet() async throws {
        let dir = try Fixtures.tempDir("backtest")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let set = Peers.root + "/data/scenarios/reporting"
        // Three folds (two retrained models), to keep the suite's load down; `make backtest` runs four.
        let r = try await Peers.sigil(["backtest", Peers.root + "/examples/backtest.yaml", "--labels", set + "/labels.json", "--report", dir,
                                       "--folds", "3"])
        #expect(r.status == 0, "\(r.err)")
        let report = try JSONDecoder().decode(Report.self, from: Data(contentsOf: URL(fileURLWithPath: dir + "/report.json")))
        #expect(report.detectors.map(\.strategy).sorted() == ["anomaly", "dump", "honeypot", "rug-pull", "sandwich", "wash-trade"])
        let labels = try JSONDecoder().decode(Labels.self, from: Data(contentsOf: URL(fileURLWithPath: set + "/labels.json")))
        for d in report.detectors {
            #expect(d.scenarios >= 4, "\(d.strategy): the reporting set holds several scenarios of each kind")
            #expect((d.precision ?? 0) >= 0.95, "\(d.strategy): precision \(d.precision ?? 0)")
            #expect((d.recall ?? 0) >= 0.90, "\(d.strategy): recall \(d.recall ?? 0)")
            #expect(r.out.contains(d.strategy))
            #expect(d.responsibleChecked > 0, "\(d.strategy)")
            guard d.strategy == "anomaly" else {
                #expect(d.responsibleCorrect == d.responsibleChecked, "\(d.strategy): names the account that acted on every scenario it finds")
                continue
            }
            // anomaly-model sees one swap and names its trader: the holder of a dump; in a wash
            // ring, the member that made the swap (the ring's funder, whom the labels name, is seen
            // only through transfers, by wash-trade-watch). Never anyone outside the scenario.
            let outside = d.wrongAccounts.filter { w in
                let scenario = labels.scenarios.first { $0.id == w.scenario }
                return !(scenario?.kind == "wash_trading" && (scenario?.addresses ?? []).contains(w.named))
            }
            #expect(outside.isEmpty, "\(outside)")
        }
        // Hard negatives are part of the set, so a silent detector is a tested claim.
        for kind in ["round_trip", "around_other_pool", "cross_pool_arbitrage", "jit_liquidity", "legit_launch", "tax_token", "holder_sale", "market_maker"] {
            #expect((report.scenarios[kind] ?? 0) > 0, "\(kind) in the reporting set")
        }
        let html = try String(contentsOfFile: dir + "/report.html", encoding: .utf8)
        #expect(html.contains("<svg") && !html.contains("src=\"http") && !html.contains("href=\"http"), "self-contained")
        #expect(FileManager.default.fileExists(atPath: dir + "/outputs.jsonl"))
        try checkSignals(report, dir: dir, stdout: r.out)
    }

    /// The signal strategies beside buy-and-hold; the model's walk-forward folds each trained
    /// before the blocks they test, on more data each time, and the fold's signals made by the
    /// fold's own weights.
    func checkSignals(_ report: Report, dir: String, stdout: String) throws {
        let sec = try #require(report.signals, "the configuration has signal strategies")
        #expect(sec.strategies.map(\.strategy) == ["buy-and-hold", "signals (walk-forward)", "signals", "momentum", "mean-reversion"])
        #expect(sec.strategies.map(\.role) == ["buy-and-hold", "walk-forward model", "registered model", "baseline", "baseline"])
        #expect(!sec.pools.isEmpty)
        for f in sec.strategies {
            #expect(f.pnl.isFinite && f.pnl > -1 && f.maxDrawdown >= 0 && f.maxDrawdown <= 1 && f.turnover >= 0, "\(f)")
            #expect(f.role == "buy-and-hold" || (f.signals > 0 && f.executed <= f.signals && f.hitRate != nil), "\(f.strategy) traded")
            #expect(stdout.contains(f.strategy))
        }
        #expect(sec.folds.map(\.index) == [1, 2])
        #expect(sec.folds.first?.testFrom == sec.testFrom && sec.folds.last?.testUntil == sec.testUntil)
        let registered = "0x723025ab7d052343a3846125493af06ba1c650bcced0358ee380bb4c5ee74b6d"
        var hashes = Set<String>()
        for (i, fold) in sec.folds.enumerated() {
            #expect(fold.trainedBefore == fold.testFrom && fold.testFrom < fold.testUntil)
            if i > 0 { #expect(fold.trainingRows > sec.folds[i - 1].trainingRows, "an expanding window") }
            // Only the signal strategy's model is retrained; anomaly-model (a detector) keeps its verified weights.
            #expect(fold.weights.keys.sorted() == ["sigil/model-signal"], "\(fold.weights)")
            let weights = try #require(fold.weights["sigil/model-signal"])
            #expect(weights != registered && hashes.insert(weights).inserted, "each fold trains its own model")
            // The fold's run made its signals with the fold's weights.
            let text = try String(contentsOfFile: dir + "/walk-forward/fold-\(fold.index)/outputs.jsonl", encoding: .utf8)
            let lines = try text.split(separator: "\n").map { try JSONDecoder().decode(OutputLine.self, from: Data($0.utf8)) }
            let inFold = lines.filter { $0.type == "signal" && $0.strategy == "signals" && ($0.event?.blockNumber ?? 0) >= fold.testFrom
                && ($0.event?.blockNumber ?? 0) < fold.testUntil }
            #expect(!inFold.isEmpty && inFold.allSatisfy { $0.signal?.model?.weightsHash == weights }, "fold \(fold.index)")
        }
        for chart in ["equity.svg", "price-signals.svg"] {
            let svg = try String(contentsOfFile: dir + "/" + chart, encoding: .utf8)
            #expect(svg.hasPrefix("<svg") && svg.contains("polyline"), "\(chart)")
        }
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
