import SigilTestSupport
import Foundation
import Logging
import SigilChain
import SigilCore
import Testing

/// The JSON-RPC clients against the real devnet (py-evm over HTTP and WebSocket).
@Suite(.serialized) struct DevnetRPCTests {
    @Test func httpCallsBatchesAndErrors() async throws {
        let devnet = try await DevnetProcess()
        let rpc = HTTPRPCClient(url: devnet.httpURL)
        let chainId = try await rpc.call("eth_chainId", [])
        #expect(chainId.stringValue.flatMap(Hex.quantity) == devnet.chainId)
        let results = try await rpc.batch([("eth_chainId", []), ("eth_nope", []), ("net_version", [])])
        #expect(try results[0].get() == chainId)
        guard case .failure(let e) = results[1] else { Issue.record("eth_nope must fail"); return }
        #expect(e.rpcCode == -32601)
        #expect(try results[2].get() == .string("\(devnet.chainId)"))
        await #expect(throws: ChainError.self) { try await rpc.call("eth_getBalance", ["0x12"]) }
    }

    @Test func websocketSubscriptionsDeliverHeadsLogsAndReorgRetractions() async throws {
        let devnet = try await DevnetProcess()
        let http = HTTPRPCClient(url: devnet.httpURL)
        let ws = WebSocketRPCClient(url: devnet.wsURL, logger: Logger(label: "test"))
        let decoder = FrameDecoder(chainId: devnet.chainId)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await ws.run() }
            try await ws.waitUntilConnected()
            let heads = try await ws.call("eth_subscribe", ["newHeads"])
            let logs = try await ws.call("eth_subscribe", ["logs", [:]])
            #expect(heads != logs)

            let drive = try await devnet.drive(["transfers", "--count", "3"])
            let txs = drive["txs"] as! [String]
            let blocks = (drive["blocks"] as! [NSNumber]).map(\.uint64Value)
            var seenHeads: [UInt64] = [], seenLogs: [EthLog] = []
            var iterator = ws.notifications.makeAsyncIterator()
            let deadline = ContinuousClock.now + testPatience
            while seenLogs.filter({ txs.contains($0.transactionHash.description) }).count < 3, ContinuousClock.now < deadline {
                guard let frame = await iterator.next() else { break }
                // The driver's token transfers decode as ERC-20 transfer events, with their log.
                switch try decoder.decodeKeepingLog(frame.text) {
                case (.head(let h, _), _): seenHeads.append(h.number)
                case (.otherLog(let l, _), _): seenLogs.append(l)
                case (.event(let e, _), let log?) where e.payload.kind == "erc20.transfer": seenLogs.append(log)
                case (.event(let e, _), _): Issue.record("no Uniswap events expected, got \(e.payload.kind)")
                }
            }
            #expect(Set(blocks).isSubset(of: Set(seenHeads)))
            let transfers = seenLogs.filter { txs.contains($0.transactionHash.description) }
            #expect(transfers.map(\.transactionHash.description) == txs)
            #expect(transfers.allSatisfy { !$0.removed })

            // The same logs over HTTP eth_getLogs.
            let answer = try await http.call("eth_getLogs", [["fromBlock": .string(Hex.quantity(blocks[0])), "toBlock": .string(Hex.quantity(blocks[2]))]])
            #expect(answer.arrayValue?.count == 3)

            // A reorg of depth 2 dropping the last transfer: its log and the second come back removed.
            _ = try await http.call("sigil_reorg", [2, ["drop": 1]])
            var removed: [EthLog] = [], replaced: [EthLog] = []
            let deadline2 = ContinuousClock.now + testPatience
            while removed.count < 2 || replaced.count < 1, ContinuousClock.now < deadline2 {
                guard let frame = await iterator.next() else { break }
                if case (.event(let e, _), let l?) = try decoder.decodeKeepingLog(frame.text), e.payload.kind == "erc20.transfer" {
                    if e.removed { removed.append(l) } else { replaced.append(l) }
                }
            }
            #expect(removed.map(\.transactionHash.description) == [txs[2], txs[1]])
            #expect(replaced.map(\.transactionHash.description) == [txs[1]])
            #expect(replaced.first?.blockHash != removed.last?.blockHash)
            group.cancelAll()
        }
    }
}

/// A consumer that stops reading: the client's notification buffer fills, and the next frame
/// ends the connection with a named failure (a feed then reconnects and backfills) instead of
/// being dropped without a word.
@Suite struct NotificationOverflowTests {
    @Test func aFullNotificationBufferEndsTheConnectionNeverDropsSilently() async throws {
        let devnet = try await DevnetProcess()
        let http = HTTPRPCClient(url: devnet.httpURL)
        // Connecting and subscribing is the set-up, not the subject: under a full suite's load a
        // connection once ended between the two ("not connected"), so the set-up may start
        // over, at most three times, with a new client.
        var ws = WebSocketRPCClient(url: devnet.wsURL, logger: Logger(label: "test"), handshakeTimeout: .seconds(60), bufferedNotifications: 4)
        var running = Task { [ws] in try? await ws.run() }
        for attempt in 1...3 {
            do {
                try await ws.waitUntilConnected()
                _ = try await ws.call("eth_subscribe", ["newHeads"], timeout: .seconds(60))
                break
            } catch where attempt < 3 {
                running.cancel()
                ws = WebSocketRPCClient(url: devnet.wsURL, logger: Logger(label: "test"), handshakeTimeout: .seconds(60), bufferedNotifications: 4)
                running = Task { [ws] in try? await ws.run() }
            }
        }
        defer { running.cancel() }
        // Ten heads with nobody reading: four fit, the fifth overflows and ends the connection.
        _ = try await http.call("sigil_mine", [.int(10)])
        try? await eventually("the notification buffer overflowing") { ws.overflowed }
        _ = await running.value
        #expect(ws.overflowed)
        let failure = ws.failure.map { "\($0)" } ?? "the connection did not end"
        #expect(failure.contains("notification buffer full: 4 frames wait unread"), "\(failure)")
        // What was buffered before the overflow is still handed over, then the stream ends.
        var buffered = 0
        for await _ in ws.notifications { buffered += 1 }
        #expect(buffered == 4)
    }
}
