public import SigilCore
public import SigilPluginAPI

/// `sandwich-watch`: finds sandwich attacks inside one block and one pool.
///
/// Rule (the one mev-inspect-py and brontes apply, on swaps as the pools logged them): in a
/// closed block, on one pool, a transaction of an account A that swaps in one direction (the
/// front-run); then one or more transactions of other accounts swapping in the same direction
/// (the victims); then a transaction of A swapping the other way (the back-run) whose input is
/// within `match_tolerance` of what the front-run bought. The account of a transaction is the
/// recipient of its last swap (through a router, the trader; through a bot contract, the bot):
/// never the router that called the pool. A victim belongs to one sandwich at most. Front- and
/// back-runs that also swap on another pool are arbitrage legs, not sandwiches.
///
/// Evidence: the transactions in order with their roles, the attacker and the victims, the
/// amounts, and the attacker's profit in the front-run's input token (back-run output minus
/// front-run input, raw units; negative for a loss).
public final class SandwichWatch: StrategyPlugin {
    public static let kind = "sandwich-watch"
    public static let summary = "finds sandwich attacks: a front-run, victims and a back-run on one pool in one block"
    public static let parameterSpecs: [ParameterSpec] = [
        ParameterSpec("match_tolerance", .double(0...1), default: .double(0.25),
                      help: "how far the back-run's input may be from what the front-run bought, as a share of it", reloadable: true),
        ParameterSpec("max_victims", .int(1...1_000), default: .int(64),
                      help: "victims named in one alert at most (further ones are counted)", reloadable: true),
        ParameterSpec("severity", .string(allowed: Alert.Severity.allCases.map(\.rawValue)), default: .string("medium"),
                      help: "severity of the alert (high or critical vetoes buys of the pool's tokens)", reloadable: true),
    ]
    public static let modelRoles: [String] = []
    public static let detects = ["sandwich"]
    public static let wantsBlocks = true

    public let eventKinds: Set<String> = []
    let tolerance: Double
    let maxVictims: Int
    let severity: Alert.Severity

    public init(matchTolerance: Double = 0.25, maxVictims: Int = 64, severity: Alert.Severity = .medium) {
        tolerance = matchTolerance
        self.maxVictims = maxVictims
        self.severity = severity
    }

    public convenience init(parameters values: ParameterValues, models: [String: any PredictiveModel] = [:]) {
        self.init(matchTolerance: values.double("match_tolerance"), maxVictims: Int(values.int("max_victims")),
                  severity: Alert.Severity(rawValue: values.string("severity")) ?? .medium)
    }

    public func handle(_ event: MarketEvent, pool: PoolSnapshot) -> [PluginOutput] { [] }

    /// One transaction's swaps on one pool, netted: what went in and came out, which way.
    struct Leg {
        var tx: Hash32
        var index: UInt32
        var actor: Address
        /// True when the transaction sold token0 for token1.
        var sellsToken0: Bool
        var amountIn: UInt256
        var amountOut: UInt256
        /// The last swap event of the leg (an alert's cause).
        var last: MarketEvent
        /// How many pools the transaction swapped on.
        var poolCount: Int
    }

    public func blockClosed(_ block: ClosedBlock) -> [PluginOutput] {
        var legsByPool: [Address: [Leg]] = [:]
        for tx in block.activity {
            guard let actor = tx.trader else { continue }
            let pools = tx.swapPools
            for pool in pools {
                // A transaction that swaps both ways on one pool is not one leg: skipped.
                let mine = tx.swaps.filter { $0.pool == pool }
                guard let first = mine.first, let last = mine.last,
                      mine.allSatisfy({ $0.amounts.sellsToken0 == first.amounts.sellsToken0 }) else { continue }
                var amountIn = UInt256.zero, amountOut = UInt256.zero
                for s in mine {
                    amountIn = amountIn.addingSaturated(s.amounts.amountIn)
                    amountOut = amountOut.addingSaturated(s.amounts.amountOut)
                }
                legsByPool[pool, default: []].append(Leg(tx: tx.hash, index: tx.index, actor: actor, sellsToken0: first.amounts.sellsToken0,
                                                         amountIn: amountIn, amountOut: amountOut, last: last.event, poolCount: pools.count))
            }
        }
        var out: [PluginOutput] = []
        for pool in legsByPool.keys.sorted() {
            out += sandwiches(legsByPool[pool] ?? [], pool: pool, snapshot: block.pools[pool], block: block.number)
        }
        return out
    }

    func sandwiches(_ legs: [Leg], pool: Address, snapshot: PoolSnapshot?, block: UInt64) -> [PluginOutput] {
        var used = Set<Int>()
        var out: [PluginOutput] = []
        for f in legs.indices where !used.contains(f) && legs[f].poolCount == 1 {
            let front = legs[f]
            // The first later leg of the same account going the other way.
            guard let b = legs.indices.first(where: { $0 > f && !used.contains($0) && legs[$0].actor == front.actor
                                                      && legs[$0].sellsToken0 != front.sellsToken0 }) else { continue }
            let back = legs[b]
            guard back.poolCount == 1, matches(bought: front.amountOut, sold: back.amountIn) else { continue }
            let victims = ((f + 1)..<b).filter { !used.contains($0) && legs[$0].actor != front.actor && legs[$0].sellsToken0 == front.sellsToken0 }
            guard !victims.isEmpty else { continue }
            used.formUnion([f, b])
            used.formUnion(victims)
            out.append(.alert(alert(front: front, back: back, victims: victims.map { legs[$0] }, pool: pool, snapshot: snapshot, block: block)))
        }
        return out
    }

    /// True when the back-run sold about what the front-run bought.
    func matches(bought: UInt256, sold: UInt256) -> Bool {
        let b = bought.doubleValue, s = sold.doubleValue
        guard b > 0 else { return false }
        return abs(s - b) <= tolerance * b
    }

    func alert(front: Leg, back: Leg, victims: [Leg], pool: Address, snapshot: PoolSnapshot?, block: UInt64) -> Alert {
        let inputToken = front.sellsToken0 ? snapshot?.token0 : snapshot?.token1
        let profit: String
        if let gain = back.amountOut.subtracting(front.amountIn) { profit = "\(gain)" } else { profit = "-\(front.amountIn.subtracting(back.amountOut) ?? .zero)" }
        let named = victims.prefix(maxVictims)
        var metadata: [String: String] = [
            "block": "\(block)",
            "attacker": "\(front.actor)", "responsible": "\(front.actor)",
            "frontrunTx": "\(front.tx)", "frontrunIn": "\(front.amountIn)", "frontrunOut": "\(front.amountOut)",
            "backrunTx": "\(back.tx)", "backrunIn": "\(back.amountIn)", "backrunOut": "\(back.amountOut)",
            "victims": named.map { "\($0.actor)" }.joined(separator: ","),
            "victimTxs": named.map { "\($0.tx)" }.joined(separator: ","),
            "victimCount": "\(victims.count)",
            "transactions": ([front] + named + [back]).map { "\($0.tx)" }.joined(separator: ","),
            "profit": profit,
            "profitToken": inputToken.map { "\($0)" } ?? "token\(front.sellsToken0 ? 0 : 1)",
        ]
        if victims.count > named.count { metadata["victimsNotNamed"] = "\(victims.count - named.count)" }
        return Alert(alertId: "SIGIL-SANDWICH-1", name: "Sandwich attack",
                     description: "\(front.actor) front-ran \(victims.count) swap(s) on \(pool) in block \(block) and sold back after them (profit \(profit) of \(metadata["profitToken"]!))",
                     severity: severity, kind: .exploit, pool: pool,
                     addresses: [front.actor] + named.map(\.actor), labels: [
                        Alert.Label(entity: "\(front.actor)", label: "sandwich-attacker", confidence: 0.9),
                     ] + named.map { Alert.Label(entity: "\($0.actor)", label: "sandwich-victim", confidence: 0.9) },
                     metadata: metadata, cause: back.last.id)
    }
}
