import Foundation
import SigilBundle
import SigilFeeds
import SigilRuntime
import SigilTestSupport
import Testing

/// Seeded mutation fuzzing of strategies.yaml: every case is a configuration or a located
/// `ConfigError` (file, line, column), never a trap.
@Suite struct ConfigFuzzTests {
    @Test func strategiesYAML() async throws {
        let (path, dir) = try RunTests.tempConfig()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let live = try String(contentsOfFile: Peers.root + "/examples/devnet.yaml", encoding: .utf8)
        let honeypots = try String(contentsOfFile: Peers.root + "/examples/honeypots.yaml", encoding: .utf8)
            .replacingOccurrences(of: "${SIGIL_WETH}", with: "0x" + String(repeating: "11", count: 20))
        // The bundled default with metrics and notifications (the keys it leaves commented out).
        let operated = try String(contentsOfFile: path, encoding: .utf8) + """
            metrics: {host: 127.0.0.1, port: 9464}
            notifications:
              - {name: ops, kind: webhook, url: "https://hooks.example.com/x?k=1", min_severity: info, plugins: [rug-pull-guard], outputs: [alert, signal], queue_limit: 100, timeout: 2}
              - {name: chat, kind: telegram, token: "123:abc", chat_id: "-100", min_severity: critical}

            """
        let corpus = [try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))), Array(live.utf8), Array(honeypots.utf8), Array(operated.utf8)]
        let r = await Fuzz.run("strategies.yaml", corpus: corpus, cases: Fuzz.cases(default: 20_000),
                         dictionary: ["${HOME}", "${", "&a", "*a", "!!binary", "- ", ": ", "{a: [", "kind: ethereum", "1e999", "0x", "simulation: ", "rpc: ", "weth: ", "offer_eth: ", "kind: telegram", "queue_limit: ", "port: 65536", "plugins: [x]"]) { input in
            do {
                _ = try ConfigLoader.parse(String(decoding: input, as: UTF8.self), file: dir + "/fuzz.yaml", components: .bundled, environment: ["HOME": "/root"])
                return true
            } catch let error as ConfigError {
                #expect(error.line >= 1 && error.column >= 0 && error.file == dir + "/fuzz.yaml")
                throw error
            }
        }
        #expect(r.accepted > 0 && r.refused > 0)
    }
}
