import Foundation
import SigilBacktest
import SigilTestSupport
import Testing

/// Seeded mutation fuzzing of the backtest's two inputs: every case is a value or a
/// `BacktestError` naming the file, never a trap.
@Suite struct BacktestFuzzTests {
    @Test func labelsFiles() async throws {
        let corpus = [try [UInt8](Data(contentsOf: URL(fileURLWithPath: Peers.root + "/data/replay/labels.json")))]
        let r = await Fuzz.run("labels.json", corpus: corpus, cases: Fuzz.cases(default: 3_000),
                               dictionary: ["null", "1e999", "-1", "\"txs\":", "[]", "{}", "\"block\": 18446744073709551616"]) { input in
            do {
                _ = try ScenarioLabels.parse(input, path: "fuzz.json")
                return true
            } catch let e as BacktestError {
                #expect(e.description.hasPrefix("fuzz.json: "))
                throw e
            }
        }
        #expect(r.accepted > 0 && r.refused > 0)
    }

    @Test func outputsLines() async throws {
        let line = #"{"alert":{"addresses":["0xaa"],"alertId":"A","description":"d","labels":[],"metadata":{"responsible":"0xaa"},"name":"n","pool":"0xp","severity":"high","type":"scam"},"event":{"blockHash":"0x1","blockNumber":7,"chainId":1,"logIndex":0,"transactionHash":"0xt"},"key":"k","plugin":"p","strategy":"s","type":"alert"}"#
        let signal = #"{"event":{"blockHash":"0x1","blockNumber":9,"chainId":1,"logIndex":2,"transactionHash":"0xt"},"key":"q","plugin":"model-signal","signal":{"confidence":0.6,"metadata":{},"model":{"id":"m","version":1,"weightsHash":"0x72"},"pool":"0xp","side":"buy","vetoed":false},"strategy":"s","type":"signal"}"#
        let corpus = [Array((line + "\n" + #"{"type":"retraction","key":"r","retracts":"k"}"# + "\n" + line + "\n" + signal).utf8)]
        let r = await Fuzz.run("outputs.jsonl", corpus: corpus, cases: Fuzz.cases(default: 5_000),
                               dictionary: ["null", "\n", "\"retraction\"", "-1", "1e999"]) { input in
            do {
                let text = String(decoding: input, as: UTF8.self)
                _ = try AlertRecord.parse(text, path: "o.jsonl")
                _ = try SignalRecord.parse(text, path: "o.jsonl")
                return true
            } catch let e as BacktestError {
                #expect(e.description.hasPrefix("o.jsonl:"))
                throw e
            }
        }
        #expect(r.accepted > 0 && r.refused > 0)
    }
}
