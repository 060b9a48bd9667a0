import Foundation
import SigilBundle
import SigilCore
import SigilPluginAPI
import SigilFeeds
import SigilRuntime
import SigilTestSupport
import Testing

@Suite struct ConfigTests {
    static let recording = Peers.root + "/data/replay/sigil-scenarios.jsonl.gz"
    static let snapshot = Peers.root + "/data/replay/registry-snapshot.json"

    /// A valid configuration, one key per line, so that tests can break a given line.
    static var valid: String {
        """
        feeds:
          - name: bundled
            kind: replay
            path: \(recording)
        registry:
          snapshot: \(snapshot)
        strategies:
          - name: rugs
            plugin: rug-pull-guard
            params:
              min_share: 0.6
              window_blocks: 20
        risk:
          veto_blocks: 100
        """
    }

    static func error(_ yaml: String, env: [String: String] = [:]) -> ConfigError? {
        do {
            _ = try ConfigLoader.parse(yaml, file: "test.yaml", components: .bundled, environment: env)
            return nil
        } catch {
            return error
        }
    }

    static func replacing(_ old: String, _ new: String) -> String {
        precondition(valid.contains(old))
        return valid.replacingOccurrences(of: old, with: new)
    }

    @Test func theValidFileLoadsWithDefaultsFilledIn() throws {
        let c = try ConfigLoader.parse(Self.valid, file: "test.yaml", components: .bundled)
        #expect(c.feeds.map(\.name) == ["bundled"] && c.feeds[0].chainId == nil)
        #expect(c.strategies[0].parameters.double("min_share") == 0.6)
        #expect(c.strategies[0].parameters.int("max_age_blocks") == 7200, "default")
        #expect(c.risk.vetoSeverity == .high && c.risk.vetoBlocks == 100)
        #expect(c.effectiveYAML.contains("max_age_blocks: 7200"))
    }

    @Test func theBundledStrategiesYamlIsValid() throws {
        let c = try ConfigLoader.load(path: Peers.root + "/strategies.yaml", components: .bundled)
        #expect(c.strategies.map(\.plugin) == ["model-signal", "rug-pull-guard", "momentum", "mean-reversion", "sandwich-watch",
                                              "wash-trade-watch", "honeypot-watch", "dump-watch", "anomaly-model"])
        #expect(Set(c.strategies.map(\.plugin)) == Set(Components.bundled.plugins.all.map { $0.kind }), "every bundled plugin")
        #expect(c.strategies[0].models == ["signal": "sigil/model-signal"])
    }

    @Test func syntaxErrorNamesTheLine() throws {
        let e = try #require(Self.error(Self.replacing("  veto_blocks: 100", "  veto_blocks: [100")))
        #expect(e.file == "test.yaml" && e.line >= 14 && e.message.contains("syntax"), "\(e)")
    }

    @Test func unknownKeyListsTheValidOnes() throws {
        let e = try #require(Self.error(Self.replacing("    kind: replay", "    kidn: replay")))
        #expect(e.line == 3 && e.column == 5, "\(e)")
        #expect(e.message.contains("unknown key 'kidn'") && e.message.contains("valid keys: name, kind, path, chain_id"))
        let p = try #require(Self.error(Self.replacing("      window_blocks: 20", "      window_block: 20")))
        #expect(p.line == 12 && p.message.contains("min_share, max_age_blocks, window_blocks"), "\(p)")
    }

    @Test func wrongTypeNamesTheLine() throws {
        let e = try #require(Self.error(Self.replacing("      min_share: 0.6", "      min_share: lots")))
        #expect(e.line == 11 && e.column == 18 && e.message.contains("must be a number"), "\(e)")
        let q = try #require(Self.error(Self.replacing("  veto_blocks: 100", "  veto_blocks: \"100\"")))
        #expect(q.line == 14 && q.message.contains("whole number"), "\(q)")
    }

    @Test func outOfRangeValueNamesTheLineAndTheRange() throws {
        let e = try #require(Self.error(Self.replacing("      min_share: 0.6", "      min_share: 1.5")))
        #expect(e.line == 11 && e.message.contains("between 0.01 and 1.0"), "\(e)")
    }

    @Test func missingModelFileNamesTheLine() throws {
        let yaml = Self.valid + "\nmodels:\n  - id: sigil/m\n    file: /nonexistent/m.safetensors\n"
        let e = try #require(Self.error(yaml))
        #expect(e.line == 17 && e.message.contains("does not exist"), "\(e)")
    }

    @Test func metricsAndNotificationsAreCheckedWithTheirLines() throws {
        let good = Self.valid + """

            metrics: {port: 0}
            notifications:
              - {name: ops, kind: webhook, url: "https://hooks.example.com/p/s3cret?k=1", outputs: [alert, signal], plugins: [rug-pull-guard]}
              - {name: chat, kind: telegram, token: "${TG}", chat_id: "-100"}
            """
        let c = try ConfigLoader.parse(good, file: "test.yaml", components: .bundled, environment: ["TG": "123:abc"])
        #expect(c.metrics?.host == "127.0.0.1" && c.metrics?.port == 0)
        #expect(c.notifications.map(\.name) == ["ops", "chat"] && c.notifications[1].token == "123:abc")
        #expect(c.notifications[1].url == "https://api.telegram.org" && c.notifications[0].minSeverity == .high)
        // Neither the webhook's path nor the token is shown.
        #expect(c.effectiveYAML.contains("url: https://hooks.example.com/…") && !c.effectiveYAML.contains("s3cret") && !c.effectiveYAML.contains("123:abc"))
        let cases: [(String, Int, String)] = [
            ("metrics: {port: 70000}", 15, "between 0 and 65535"),
            ("metrics: {prot: 1}", 15, "valid keys: host, port"),
            ("notifications:\n  - {name: a, kind: email, url: \"http://x\"}", 16, "email"),
            ("notifications:\n  - {name: a, kind: webhook}", 16, "a webhook needs 'url'"),
            ("notifications:\n  - {name: a, kind: webhook, url: \"ftp://x\"}", 16, "http:// or https://"),
            ("notifications:\n  - {name: a, kind: telegram, chat_id: \"1\"}", 16, "needs 'token'"),
            ("notifications:\n  - {name: a, kind: webhook, url: \"http://x\", token: \"1:a\"}", 16, "'token' is for telegram sinks"),
            ("notifications:\n  - {name: a, kind: webhook, url: \"http://x\", plugins: [rugpull]}", 16, "unknown plugin 'rugpull'; valid: "),
            ("notifications:\n  - {name: a, kind: webhook, url: \"http://x\", outputs: [fill]}", 16, "fill"),
            ("notifications:\n  - {name: \"a b\", kind: webhook, url: \"http://x\"}", 16, "letters, digits"),
            ("notifications:\n  - {name: a, kind: webhook, url: \"http://x\"}\n  - {name: a, kind: webhook, url: \"http://y\"}", 17, "declared twice"),
            ("notifications:\n  - {name: a, kind: webhook, url: \"http://x\", retries: 3}", 16, "valid keys: name, kind, url, token, chat_id"),
        ]
        for (yaml, line, message) in cases {
            let e = try #require(Self.error(Self.valid + "\n" + yaml + "\n"), "\(yaml)")
            #expect(e.line == line && e.message.contains(message), "\(yaml): \(e)")
        }
    }

    @Test func unknownPluginListsTheRegisteredOnes() throws {
        let e = try #require(Self.error(Self.replacing("    plugin: rug-pull-guard", "    plugin: rugpull")))
        let registered = Components.bundled.plugins.kinds.joined(separator: ", ")
        #expect(registered.contains("rug-pull-guard") && registered.contains("wash-trade-watch"))
        #expect(e.line == 9 && e.message.contains("unknown plugin 'rugpull'") && e.message.contains("registered plugins: \(registered)"), "\(e)")
    }

    @Test func aModelPluginWithoutItsModelIsRejected() throws {
        let e = try #require(Self.error(Self.replacing("    plugin: rug-pull-guard\n    params:\n      min_share: 0.6\n      window_blocks: 20",
                                                       "    plugin: model-signal")))
        #expect(e.line == 8 && e.message.contains("needs a model for the role 'signal'"), "\(e)")
    }

    @Test func environmentReferences() throws {
        let yaml = Self.replacing("  snapshot: \(Self.snapshot)", "  rpc: ${SIGIL_TEST_RPC}/v1\n  address: \"0x\(String(repeating: "12", count: 20))\"")
        let c = try ConfigLoader.parse(yaml, file: "test.yaml", components: .bundled, environment: ["SIGIL_TEST_RPC": "http://node:8545"])
        #expect(c.registry == .onChain(rpc: "http://node:8545/v1", address: Address(hex: "0x" + String(repeating: "12", count: 20))!))
        let e = try #require(Self.error(yaml))
        #expect(e.line == 6 && e.message.contains("${SIGIL_TEST_RPC}, which is not set"), "\(e)")
    }

    @Test func otherMistakes() throws {
        #expect(Self.error("")?.message.contains("empty") == true)
        #expect(Self.error(Self.replacing("  - name: rugs", "  - name: bundled\n  - name: bundled"))?.message.contains("needs 'name' and 'plugin'") == true)
        let dup = Self.valid + "\nrisk:\n  veto_blocks: 5\n"
        #expect(Self.error(dup) != nil)
        #expect(Self.error(Self.replacing("  veto_blocks: 100", "  veto_severity: severe"))?.message.contains("info, low, medium, high, critical") == true)
    }
}
