import Foundation

/// One line of a run's JSONL outputs, as far as the backtest reads it.
struct OutputLine: Decodable {
    struct Event: Decodable {
        var blockNumber: UInt64
        var transactionHash: String
    }
    struct AlertBody: Decodable {
        var alertId: String
        var severity: String
        var description: String
        var pool: String
        var addresses: [String]
        var metadata: [String: String]
    }
    struct SignalBody: Decodable {
        struct Model: Decodable {
            var id: String
            var version: UInt64
            var weightsHash: String
        }
        var side: String
        var pool: String
        var confidence: Double
        var vetoed: Bool
        var model: Model?
    }
    var type: String
    var key: String
    var retracts: String?
    var strategy: String?
    var plugin: String?
    var event: Event?
    var alert: AlertBody?
    var signal: SignalBody?

    /// The output lines standing at the end of a JSONL outputs text: in file order, without
    /// those a later retraction line took back (and with those produced again after it). Errors
    /// name `path` and the line.
    static func standing(_ text: String, path: String) throws -> [OutputLine] {
        var order: [String] = [], standing: [String: OutputLine] = [:]
        let decoder = JSONDecoder()
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            let l: OutputLine
            do { l = try decoder.decode(OutputLine.self, from: Data(line.utf8)) } catch {
                throw BacktestError("\(path):\(n + 1): not an output line: \(error)")
            }
            if l.type == "retraction", let k = l.retracts {
                standing[k] = nil
                continue
            }
            if standing[l.key] == nil { order.append(l.key) }
            standing[l.key] = l
        }
        var seen = Set<String>()
        return order.compactMap { k in seen.insert(k).inserted ? standing[k] : nil }
    }
}
