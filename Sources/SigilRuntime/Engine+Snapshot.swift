public import Foundation
import SigilCore
import SigilPluginAPI

extension Engine {
    /// Everything the engine remembers, at a point between two items: pool, token and market state,
    /// the risk gate's vetoes, the paper portfolio, the recent event identities, the open
    /// blocks and each strategy's plugin state.
    struct Snapshot: Codable {
        var format = 1
        var strategies: String
        var pools: [Address: PoolSnapshot]
        var markets: [Address: MarketSnapshot]
        var tokens: [Address: TokenSnapshot]?
        var vetoes: RiskGate.Vetoes
        var portfolio: PaperPortfolio.State?
        var seen: [EventID]
        var open: [UInt64: OpenBlock]
        var eventsProcessed: Int
        var retractions: Int
        var offChainEvents: Int
        /// The off-chain identities in `seen`, oldest first.
        var offChainRecent: [EventID]?
        /// Strategy name → its plugin's state (JSON).
        var plugins: [String: Data]
        /// Simulation requests not yet answered (absent in older snapshots).
        var simulations: [PendingSimulation]?
    }

    static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return e
    }

    static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return d
    }

    /// The engine's state as bytes (JSON), taken when `chainId`'s block `closed` has just closed:
    /// that chain's identities at or below it are left out (a feed resumes after its checkpoint
    /// and the runner refuses events of closed blocks, so they cannot come again).
    public func snapshot(chainId: UInt64, closed: UInt64) throws -> Data {
        let enc = Self.encoder()
        func state<P: StrategyPlugin>(_ p: P) throws -> Data { try enc.encode(p.state) }
        var plugins: [String: Data] = [:]
        for s in strategies { plugins[s.name] = try state(s.plugin) }
        let snap = Snapshot(strategies: strategiesFingerprint, pools: book.pools, markets: markets.markets, tokens: tokens.tokens, vetoes: gate.vetoState,
                            portfolio: portfolio?.state,
                            seen: seen.filter { $0.chainId != chainId || $0.blockNumber > closed }, open: open, eventsProcessed: eventsProcessed,
                            retractions: retractions, offChainEvents: offChainEvents, offChainRecent: offChainRing, plugins: plugins,
                            simulations: pendingSimulations)
        return try enc.encode(snap)
    }

    /// Sets the engine (fresh, with the same strategies) to a snapshot's state; throws, leaving
    /// the engine unusable, when the snapshot is not one of this engine's.
    public func restore(_ data: Data) throws {
        let dec = Self.decoder()
        let snap = try dec.decode(Snapshot.self, from: data)
        guard snap.format == 1 else { throw SnapshotError("snapshot format \(snap.format) is not 1") }
        guard snap.strategies == strategiesFingerprint else {
            throw SnapshotError("the snapshot was taken with other strategies (the configuration changed)")
        }
        func restore<P: StrategyPlugin>(_ p: P, _ bytes: Data) throws { p.state = try dec.decode(P.State.self, from: bytes) }
        for s in strategies {
            guard let bytes = snap.plugins[s.name] else { throw SnapshotError("the snapshot has no state for strategy \(s.name)") }
            try restore(s.plugin, bytes)
        }
        book = PoolBook(pools: snap.pools)
        markets = MarketBook(markets: snap.markets)
        tokens = TokenBook(tokens: snap.tokens ?? [:])
        gate.vetoState = snap.vetoes
        if let p = snap.portfolio { portfolio?.state = p }
        seen = Set(snap.seen)
        open = snap.open
        eventsProcessed = snap.eventsProcessed
        retractions = snap.retractions
        offChainEvents = snap.offChainEvents
        offChainRecent = Array((snap.offChainRecent ?? []).suffix(Self.offChainDedupCapacity))
        offChainNext = 0
        let waiting = Array((snap.simulations ?? []).prefix(Self.maxPendingSimulations))
        if simulates { pendingSimulations = waiting } else { simulationsDropped += waiting.count }
    }
}

/// A snapshot that cannot be restored.
public struct SnapshotError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}
