import Foundation
import SigilBundle
import SigilCore
import SigilPluginAPI
import SigilRuntime
import SigilTestSupport
import Testing

/// A plugin written against the plugin API alone that follows token transfers: an info alert per
/// transfer with what the runtime knew of the token, and one per closed block with its tokens.
final class TransferAudit: StrategyPlugin {
    static let kind = "transfer-audit"
    static let summary = "test plugin: an alert per token transfer and per block"
    static let parameterSpecs: [ParameterSpec] = []
    static let modelRoles: [String] = []
    static let wantsBlocks = true
    let eventKinds: Set<String> = ["erc20.transfer"]

    struct State: Codable { var seen = 0 }
    var state = State()

    init(parameters: ParameterValues, models: [String: any PredictiveModel]) throws {}

    func handle(_ event: MarketEvent, pool: PoolSnapshot) -> [PluginOutput] { [] }

    func handle(_ event: MarketEvent, token: TokenSnapshot) -> [PluginOutput] {
        state.seen += 1
        return [.alert(Alert(alertId: "TEST-TRANSFER", name: "transfer", description: "a transfer", severity: .info, kind: .info,
                             pool: token.pools.first ?? .zero, addresses: [], labels: [],
                             metadata: ["token": "\(token.address)", "pools": token.pools.map(\.description).joined(separator: ","),
                                        "minted": "\(token.minted)", "firstMintTo": token.firstMintTo.map(\.description) ?? "",
                                        "transfers": "\(token.transferCount)", "seen": "\(state.seen)"],
                             cause: event.id))]
    }

    func blockClosed(_ block: ClosedBlock) -> [PluginOutput] {
        guard let first = block.events.first, !block.tokens.isEmpty else { return [] }
        return [.alert(Alert(alertId: "TEST-BLOCK-TOKENS", name: "block tokens", description: "tokens of a block", severity: .info, kind: .info,
                             pool: .zero, addresses: block.tokens.keys.sorted(), labels: [],
                             metadata: ["tokens": "\(block.tokens.count)", "events": "\(block.events.count)"], cause: first.id))]
    }
}

@Suite struct TokenTransferTests {
    static let factory = Address(hex: "0x" + String(repeating: "f1", count: 20))!
    static let pair = Address(hex: "0x" + String(repeating: "a1", count: 20))!
    static let tokenA = Address(hex: "0x" + String(repeating: "0a", count: 20))!
    static let tokenB = Address(hex: "0x" + String(repeating: "0b", count: 20))!
    static let deployer = Address(hex: "0x" + String(repeating: "de", count: 20))!
    static let holder = Address(hex: "0x" + String(repeating: "40", count: 20))!

    static func event(_ block: UInt64, _ log: UInt32, _ emitter: Address, _ payload: MarketEvent.Payload) -> MarketEvent {
        let hash = Hash32(bytes: Array(repeating: UInt8(truncatingIfNeeded: block), count: 32))!
        return MarketEvent(id: EventID(chainId: 1, blockHash: hash, logIndex: log, blockNumber: block, transactionHash: hash, transactionIndex: 0),
                           emitter: emitter, payload: payload)
    }

    static func engine() throws -> Engine {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sigil-tokens-\(UUID().uuidString)").path
        let yaml = """
            feeds:
              - {name: f, path: \(Peers.root)/data/replay/sigil-scenarios.jsonl.gz}
            strategies:
              - {name: audit, plugin: transfer-audit}
            outputs: {jsonl: \(dir)/out.jsonl, sqlite: \(dir)/out.sqlite}
            """
        let components = Components(plugins: PluginRegistry([TransferAudit.self]), feeds: Components.bundled.feeds)
        return try Engine(config: try ConfigLoader.parse(yaml, file: dir + "/t.yaml", components: components))
    }

    static func metadata(_ records: [OutputRecord]) -> [[String: String]] {
        records.compactMap { r in
            if case .alert(let a) = r.body { return a.metadata } else { return nil }
        }
    }

    /// Transfers reach a plugin with their token's state: the pools a factory created for it,
    /// what was minted and to whom; a closed block names the tokens its transfers moved; the
    /// token book is part of the engine's snapshot.
    @Test func transfersReachPluginsWithTheirTokensState() throws {
        let engine = try Self.engine()
        #expect(engine.eventKinds == ["erc20.transfer"])
        var out = engine.process(Self.event(10, 0, Self.factory, .v2PairCreated(token0: Self.tokenA, token1: Self.tokenB, pair: Self.pair, index: UInt256(1))))
        #expect(out.isEmpty)
        out = engine.process(Self.event(10, 1, Self.tokenA, .erc20Transfer(from: .zero, to: Self.deployer, value: UInt256(1_000))))
        var meta = Self.metadata(out)
        #expect(meta.count == 1 && meta[0]["pools"] == "\(Self.pair)" && meta[0]["minted"] == "1000" && meta[0]["firstMintTo"] == "\(Self.deployer)")
        // The pool book does not take a token for a pool.
        #expect(engine.book[Self.tokenA] == nil)
        out = engine.process(Self.event(11, 0, Self.tokenA, .erc20Transfer(from: Self.deployer, to: Self.holder, value: UInt256(600))))
        out += engine.process(Self.event(11, 1, Self.tokenB, .erc20Transfer(from: Self.holder, to: Self.pair, value: UInt256(5))))
        meta = Self.metadata(out)
        // Block 10 closed when block 11's first event came: it moved token A.
        let block10 = meta.first { $0["tokens"] != nil }
        #expect(block10?["tokens"] == "1" && block10?["events"] == "2")
        #expect(meta.filter { $0["token"] == "\(Self.tokenA)" }.first?["transfers"] == "2")
        #expect(engine.tokens.pooled == [Self.tokenA, Self.tokenB])

        // The snapshot carries the token book and the plugin's state.
        let data = try engine.snapshot(chainId: 1, closed: 10)
        let restored = try Self.engine()
        try restored.restore(data)
        #expect(restored.tokens.tokens == engine.tokens.tokens)
        out = restored.closeBlock(chainId: 1, through: 11)
        #expect(Self.metadata(out).first?["tokens"] == "2")
        out = restored.process(Self.event(12, 0, Self.tokenA, .erc20Transfer(from: Self.holder, to: .zero, value: UInt256(100))))
        #expect(Self.metadata(out).first?["seen"] == "4" && restored.tokens[Self.tokenA]?.burned == UInt256(100))
    }

    /// The token book is bounded: past its capacity the least recently active tokens go.
    @Test func theTokenBookIsBounded() {
        var book = TokenBook(capacity: 100)
        for i in 0..<1_000 {
            let token = Address(hi: 0, mid: 0, lo: UInt32(i + 1))
            _ = book.apply(Self.event(UInt64(i), 0, token, .erc20Transfer(from: .zero, to: Self.holder, value: .max)))
            _ = book.apply(Self.event(UInt64(i), 1, token, .erc20Transfer(from: .zero, to: Self.holder, value: .max)))
        }
        #expect(book.tokens.count <= 100 && book.tokens.count >= 90)
        #expect(book[Address(hi: 0, mid: 0, lo: 1_000)]?.minted == .max, "saturated, not trapped")
        #expect(book[Address(hi: 0, mid: 0, lo: 1)] == nil)
    }
}
