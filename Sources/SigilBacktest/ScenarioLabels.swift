import Foundation
import SigilCore

/// The ground truth of a scenario set (`labels.json` beside a recording): every scenario, fraud
/// and hard negative, with its pool, its transactions and the account responsible. Only the
/// backtest reads it; it is never an input to the bot.
public struct ScenarioLabels: Sendable {
    public struct Transaction: Codable, Sendable, Hashable {
        public var hash: String
        public var role: String
        public var block: UInt64?
        public var status: Int?

        public init(hash: String, role: String, block: UInt64?, status: Int?) {
            self.hash = hash
            self.role = role
            self.block = block
            self.status = status
        }
    }

    public struct Scenario: Codable, Sendable {
        public var id: String
        public var kind: String
        public var pool: String?
        public var token: String?
        /// The account that acted or profited (older sets: derived from their role fields).
        public var responsible: String?
        public var attacker: String?
        public var recipient: String?
        public var owner: String?
        public var holder: String?
        public var creator: String?
        public var addresses: [String]?
        /// For a hard negative: the kinds of fraud it resembles.
        public var resembles: [String]?
        public var txs: [Transaction]

        public init(id: String, kind: String, pool: String?, token: String?, responsible: String?, attacker: String?, recipient: String?,
                    owner: String?, holder: String?, creator: String?, addresses: [String]?, resembles: [String]?, txs: [Transaction]) {
            self.id = id
            self.kind = kind
            self.pool = pool
            self.token = token
            self.responsible = responsible
            self.attacker = attacker
            self.recipient = recipient
            self.owner = owner
            self.holder = holder
            self.creator = creator
            self.addresses = addresses
            self.resembles = resembles
            self.txs = txs
        }

        /// The responsible account, lowercased: the explicit field, else the role that acts.
        public var responsibleAccount: String? {
            (responsible ?? attacker ?? recipient ?? owner ?? holder ?? addresses?.first ?? creator)?.lowercased()
        }

        /// The blocks of its transactions that were mined successfully (all of them when none are marked).
        public var blockRange: ClosedRange<UInt64>? {
            let mined = txs.filter { ($0.status ?? 1) == 1 }.compactMap(\.block)
            let all = mined.isEmpty ? txs.compactMap(\.block) : mined
            guard let lo = all.min(), let hi = all.max() else { return nil }
            return lo...hi
        }
    }

    struct File: Codable {
        var chainId: UInt64?
        var scenarios: [Scenario]
    }

    public var chainId: UInt64?
    public var scenarios: [Scenario]
    /// Bounds on a labels file (the scoring's cost grows with them).
    public static let maxScenarios = 100_000, maxTransactions = 100_000

    public init(chainId: UInt64?, scenarios: [Scenario]) {
        self.chainId = chainId
        self.scenarios = scenarios
    }

    /// Reads a labels file (at most 64 MiB); a malformed one names the file and the field.
    public static func load(_ path: String) throws -> ScenarioLabels {
        try parse(InputFile.bytes(path, what: "labels file", limit: 64 << 20), path: path)
    }

    /// Parses a labels file's bytes; errors name `path` and the field.
    public static func parse(_ bytes: [UInt8], path: String) throws -> ScenarioLabels {
        do {
            let f = try JSONDecoder().decode(File.self, from: Data(bytes))
            guard f.scenarios.count <= maxScenarios, f.scenarios.allSatisfy({ $0.txs.count <= maxTransactions }) else {
                throw BacktestError("\(path): more than \(maxScenarios) scenarios or \(maxTransactions) transactions in one")
            }
            return ScenarioLabels(chainId: f.chainId, scenarios: f.scenarios)
        } catch let e as BacktestError {
            throw e
        } catch let DecodingError.keyNotFound(key, ctx) {
            throw BacktestError("\(path): \(Self.path(ctx.codingPath + [key])) is missing")
        } catch let DecodingError.typeMismatch(_, ctx) {
            throw BacktestError("\(path): \(Self.path(ctx.codingPath)) has the wrong type (\(ctx.debugDescription))")
        } catch let DecodingError.valueNotFound(_, ctx) {
            throw BacktestError("\(path): \(Self.path(ctx.codingPath)) is null")
        } catch {
            throw BacktestError("\(path): not a labels file: \(error)")
        }
    }

    static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingPrefix(".").description
    }
}

/// Why a backtest could not be made.
public struct BacktestError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
