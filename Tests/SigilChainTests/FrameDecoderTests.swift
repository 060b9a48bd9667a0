import SigilTestSupport
import Foundation
import SigilChain
import SigilCore
import SigilFeeds
import Testing

@Suite struct FrameDecoderTests {
    static let replay = Peers.root + "/data/replay/sigil-scenarios.jsonl.gz"

    static func chainId() throws -> UInt64 {
        let data = try Data(contentsOf: URL(fileURLWithPath: Peers.root + "/data/replay/manifest.json"))
        let obj = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        return (obj["chainId"] as! NSNumber).uint64Value
    }

    @Test func everyBundledFrameDecodesAndEqualsWeb3() async throws {
        let chainId = try Self.chainId()
        let decoder = FrameDecoder(chainId: chainId)
        let recording = try Recording(path: Self.replay)
        var events: [MarketEvent] = []
        var heads = 0, failures: [String] = []
        try recording.forEachFrame { frame in
            switch try decoder.decode(frame) {
            case .event(let e, _): events.append(e)
            case .head: heads += 1
            case .otherLog(let l, _): failures.append("not a Uniswap event: \(l.topics.first.map(\.description) ?? "-")")
            }
        }
        #expect(failures.isEmpty)
        #expect(heads > 1000)
        #expect(Set(events.map(\.id)).count == events.count, "every log has its own EventID (log indices are per block)")
        let oracle = try await Peers.oracle(["replay", Self.replay])
        #expect(events.count == oracle.count)
        #expect(events.count > 5000)
        var mismatches = 0
        for (e, o) in zip(events, oracle) {
            var ok = e.payload.kind == o["kind"] as! String
            ok = ok && e.emitter.description == o["emitter"] as! String
            ok = ok && e.id.blockHash.description == o["blockHash"] as! String
            ok = ok && e.id.blockNumber == (o["blockNumber"] as! NSNumber).uint64Value
            ok = ok && e.id.transactionHash.description == o["transactionHash"] as! String
            ok = ok && e.id.transactionIndex == (o["transactionIndex"] as! NSNumber).uint32Value
            ok = ok && e.id.logIndex == (o["logIndex"] as! NSNumber).uint32Value
            ok = ok && e.id.chainId == chainId && e.removed == (o["removed"] as! Bool)
            let args = o["args"] as! [String: String]
            let mine = Dictionary(uniqueKeysWithValues: e.payload.namedFields.map { ($0.name, $0.value) })
            ok = ok && mine == args
            if !ok {
                mismatches += 1
                if mismatches <= 3 { Issue.record("differs from web3.py: \(e) vs \(o)") }
            }
        }
        #expect(mismatches == 0)
    }

    static let good = #"{"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":"0xd23f0824128b2f330c5c7fd0a6a3a450","result":{"address":"0x0cad765d4c2971dc0ac1b87358333b6f82b70d5e","topics":["0x1c411e9a96e071241c2f21f7726b17ae89e3cab4c78be50e062b03a9fffbbad1"],"data":"0x000000000000000000000000000000000000000000000000000007515b916280000000000000000000000000000000000000000000000000000000174876e800","blockNumber":"0xe","transactionHash":"0x0b36890717bbaf98269c8cac91c68671ab413979ac0a91b8009d35b7c13b346f","transactionIndex":"0x0","blockHash":"0xe795c32861df895ea5ed11c84e1162783d9ac0be1a5d8c3a3b48b64412849ca5","logIndex":"0x5","removed":false}}}"#

    @Test func decodesASyncWithAnyKeyOrderAndWhitespace() throws {
        let d = FrameDecoder(chainId: 1)
        guard case .event(let e, _) = try d.decode(Self.good) else { Issue.record("not an event"); return }
        #expect(e.payload == .v2Sync(reserve0: UInt256(decimal: "8046010000000")!, reserve1: UInt256(decimal: "100000000000")!))
        #expect(e.id.logIndex == 5 && e.id.blockNumber == 14)
        let reordered = #"{ "params" : { "result" : { "removed" : true , "logIndex":"0x5","blockHash":"0xe795c32861df895ea5ed11c84e1162783d9ac0be1a5d8c3a3b48b64412849ca5","transactionIndex":"0x0","transactionHash":"0x0b36890717bbaf98269c8cac91c68671ab413979ac0a91b8009d35b7c13b346f","blockNumber":"0xe","data":"0x000000000000000000000000000000000000000000000000000007515b916280000000000000000000000000000000000000000000000000000000174876e800","topics":["0x1c411e9a96e071241c2f21f7726b17ae89e3cab4c78be50e062b03a9fffbbad1"],"address":"0x0CAD765D4C2971DC0AC1B87358333B6F82B70D5E","extra":{"a":[1,2,{"b":null}]}}, "subscription":"0xd23f0824128b2f330c5c7fd0a6a3a450" }, "method":"eth_subscription", "jsonrpc":"2.0" }"#
        guard case .event(let r, _) = try d.decode(reordered) else { Issue.record("not an event"); return }
        #expect(r.removed && r.id == e.id && r.payload == e.payload && r.emitter == e.emitter)
    }

    @Test func rejectsMalformedFramesWithAReason() {
        let d = FrameDecoder(chainId: 1)
        func reason(_ s: String) -> FrameError.Reason? {
            do { _ = try d.decode(s); return nil } catch { return error.reason }
        }
        for cut in [1, 3, 7, 30, 200, Self.good.count - 1] {
            #expect(reason(String(Self.good.dropLast(cut))) == .malformedJSON, "cut \(cut)")
        }
        #expect(reason("") == .malformedJSON)
        #expect(reason("not json") == .malformedJSON)
        #expect(reason(#"{"jsonrpc":"2.0","id":1,"result":"0x1"}"#) == .notANotification)
        #expect(reason(Self.good.replacingOccurrences(of: #""logIndex":"0x5","#, with: "")) == .missingField)
        #expect(reason(Self.good.replacingOccurrences(of: #""logIndex":"0x5""#, with: #""logIndex":5"#)) == .wrongType)
        #expect(reason(Self.good.replacingOccurrences(of: #""removed":false"#, with: #""removed":"no""#)) == .wrongType)
        #expect(reason(Self.good.replacingOccurrences(of: "0x0cad765d", with: "0xzzad765d")) == .wrongType)
        // a Sync whose reserve does not fit uint112
        #expect(reason(Self.good.replacingOccurrences(of: #""data":"0x00"#, with: #""data":"0x10"#)) == .abiMismatch)
        // a Sync with a third data word
        #expect(reason(Self.good.replacingOccurrences(of: #"e800","#, with: #"e800"# + String(repeating: "0", count: 64) + #"","#)) == .abiMismatch)
        #expect(reason(Self.good.replacingOccurrences(of: #""data":"0x0"#, with: #""data":"0x"#)) == .wrongType)
    }

    @Test func decodesHeads() throws {
        let head = #"{"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":"0x01","result":{"parentHash":"0x1111111111111111111111111111111111111111111111111111111111111111","number":"0x1f","timestamp":"0x5a122a8c","hash":"0x2222222222222222222222222222222222222222222222222222222222222222","logsBloom":"0x00","baseFeePerGas":"0x7"}}}"#
        guard case .head(let h, let sub) = try FrameDecoder(chainId: 1).decode(head) else { Issue.record("not a head"); return }
        #expect(h.number == 31 && h.timestamp == 0x5a122a8c && h.baseFeePerGas == 7 && sub == Hash32(w0: 0, w1: 0, w2: 0, w3: 1))
    }
    /// ERC-20 `Transfer` (3 topics, one data word) decodes; ERC-721's (the token id as a fourth
    /// topic) and a pre-standard token's are other logs; a transfer that breaks the ABI is refused.
    @Test func decodesERC20TransfersAndLeavesERC721Alone() throws {
        let topic = "\(UniswapEvents.transferTopic)"
        #expect(topic == "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef")
        let from = "0x000000000000000000000000" + String(repeating: "11", count: 20)
        let to = "0x000000000000000000000000" + String(repeating: "22", count: 20)
        func frame(topics: [String], data: String) -> String {
            Self.good.replacingOccurrences(of: #""topics":["0x1c411e9a96e071241c2f21f7726b17ae89e3cab4c78be50e062b03a9fffbbad1"]"#,
                                           with: #""topics":["# + topics.map { "\"\($0)\"" }.joined(separator: ",") + "]")
                .replacingOccurrences(of: #""data":"0x000000000000000000000000000000000000000000000000000007515b916280000000000000000000000000000000000000000000000000000000174876e800""#,
                                      with: #""data":""# + data + "\"")
        }
        let value = "0x" + String(repeating: "0", count: 62) + "2a"
        let d = FrameDecoder(chainId: 1)
        guard case .event(let e, _) = try d.decode(frame(topics: [topic, from, to], data: value)) else { Issue.record("not an event"); return }
        #expect(e.payload == .erc20Transfer(from: Address(hex: "0x" + String(repeating: "11", count: 20))!,
                                            to: Address(hex: "0x" + String(repeating: "22", count: 20))!, value: UInt256(42)))
        #expect(e.payload.kind == "erc20.transfer" && e.emitter.description == "0x0cad765d4c2971dc0ac1b87358333b6f82b70d5e")
        // ERC-721 (token id indexed) and pre-standard tokens (nothing indexed) are other logs.
        for other in [frame(topics: [topic, from, to, value], data: "0x"), frame(topics: [topic], data: from + String(to.dropFirst(2)) + String(value.dropFirst(2)))] {
            let decoded = try d.decode(other)
            guard case .otherLog = decoded else { Issue.record("decoded as \(decoded)"); return }
        }
        for bad in [frame(topics: [topic, from, to], data: "0x"), frame(topics: [topic, from, to], data: value + String(repeating: "0", count: 64)),
                    frame(topics: [topic, from, "0x01" + String(to.dropFirst(4))], data: value)] {
            #expect(throws: FrameError.self) { try d.decode(bad) }
        }
    }
}
