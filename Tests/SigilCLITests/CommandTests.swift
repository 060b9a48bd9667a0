import Foundation
import SigilCore
import SigilTestSupport
import Testing

// Every test here runs the `sigil` binary (the debug build) as a user would: arguments in,
// exit code and output out. The libraries' own suites test the same logic without the binary.

/// `sigil run` on the bundled configuration, and `sigil verify-model` on the bundled models.
@Suite struct RunCommandTests {
    static func manifestCounts() throws -> (frames: Int, logs: Int) { try Fixtures.manifestCounts() }

    @Test func everyBundledModelVerifies() async throws {
        for (id, file) in [("sigil/model-signal", "model-signal-logistic"), ("sigil/model-signal-mlp", "model-signal-mlp")] {
            let path = Peers.root + "/models/\(file).safetensors"
            let bySnapshot = try await Peers.sigil(["verify-model", path, "--model", id, "--snapshot", Peers.root + "/models/registry-snapshot.json"])
            #expect(bySnapshot.status == 0 && bySnapshot.out.hasPrefix("MATCH"), "\(bySnapshot)")
            let (config, dir) = try Fixtures.bundledConfig()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let byConfig = try await Peers.sigil(["verify-model", path, "--model", id, "--config", config, "--json"])
            #expect(byConfig.status == 0 && byConfig.out.contains(#""verdict":"match""#), "\(byConfig)")
        }
        let both = try await Peers.sigil(["verify-model", "x", "--model", "m", "--snapshot", "s", "--rpc", "http://x"])
        #expect(both.status != 0 && both.err.contains("give one registry"))
    }

    @Test func theCommandRunsEndToEnd() async throws {
        let (path, dir) = try Fixtures.bundledConfig()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try await Peers.sigil(["run", path])
        #expect(r.status == 0, "\(r.err)")
        let counts = try Self.manifestCounts()
        #expect(r.out.contains("summary: \(counts.frames) frames, \(counts.logs) events") && r.out.contains("alerts: 3 (3 critical)"), "\(r.out)")
        let bad = try await Peers.sigil(["run", dir + "/missing.yaml"])
        #expect(bad.status == 2 && bad.err.contains("missing.yaml:1:1"))
    }

    /// A status interval that is not a number of seconds from 0 to a day is refused before
    /// anything starts (0 once made a live run print status lines in a loop).
    @Test func aStatusIntervalOutOfRangeIsRefused() async throws {
        for value in ["-1", "nan", "inf", "1e9"] {
            let r = try await Peers.sigil(["run", Peers.root + "/strategies.yaml", "--status-every=\(value)"])
            #expect(r.status == 64 && r.err.contains("--status-every takes seconds from 0"), "\(value): \(r)")
        }
    }
}

/// `sigil run` refuses to start when a model fails verification, unless its strategy is optional.
@Suite struct RefuseToStartTests {
    static func run(model edit: (inout [UInt8]) -> Void = { _ in }, yaml change: (String) -> String = { $0 })
        async throws -> (status: Int32, out: String, err: String)
    {
        let (path, dir) = try Fixtures.bundledConfig()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Peers.root + "/models/model-signal-logistic.safetensors")))
        edit(&bytes)
        try Data(bytes).write(to: URL(fileURLWithPath: dir + "/model.safetensors"))
        var yaml = try String(contentsOfFile: path, encoding: .utf8)
        yaml = yaml.replacingOccurrences(of: "file: \(Peers.root)/models/model-signal-logistic.safetensors", with: "file: \(dir)/model.safetensors")
        try change(yaml).write(toFile: path, atomically: true, encoding: .utf8)
        return try await Peers.sigil(["run", path])
    }

    @Test func theUnchangedModelRuns() async throws {
        let r = try await Self.run()
        #expect(r.status == 0 && r.out.contains("1 verified model"), "\(r.err)")
    }

    @Test func aFlippedByteOrATruncatedFileRefuses() async throws {
        for edit: (inout [UInt8]) -> Void in [{ $0[$0.count - 1] ^= 1 }, { $0.removeLast(4) }] {
            let r = try await Self.run(model: edit)
            #expect(r.status == 2)
            #expect(r.err.contains("refusing to start") && r.err.contains("sigil/model-signal") && r.err.contains("is not the registered"), "\(r.err)")
            #expect(r.err.contains("version 1"))
        }
    }

    @Test func aWrongVersionOrAnUnregisteredIdRefuses() async throws {
        let wrongVersion = try await Self.run(yaml: { $0.replacingOccurrences(of: "version: latest ", with: "version: 7 ") })
        #expect(wrongVersion.status == 2 && wrongVersion.err.contains("versions 1…1"), "\(wrongVersion.err)")
        let unregistered = try await Self.run(yaml: { $0.replacingOccurrences(of: "sigil/model-signal", with: "sigil/nobody") })
        #expect(unregistered.status == 2 && unregistered.err.contains("not registered"), "\(unregistered.err)")
    }

    @Test func anOptionalStrategyIsDisabledLoudlyAndTheRestRuns() async throws {
        let r = try await Self.run(model: { $0[$0.count - 1] ^= 1 }, yaml: {
            $0.replacingOccurrences(of: "    plugin: model-signal", with: "    plugin: model-signal\n    optional: true")
        })
        #expect(r.status == 0, "\(r.err)")
        #expect(r.err.contains("WARNING strategy signals is disabled") && r.err.contains("is not the registered"))
        #expect(r.out.contains("alerts: 3 (3 critical); signals: 0 buy, 0 sell, 0 vetoed"), "\(r.out)")
    }
}

@Suite struct KeyCommandTests {
    @Test func keyNewWritesAPrivateKeystoreThatEthAccountOpens() async throws {
        let dir = try Fixtures.tempDir("sigil-ks")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pw = dir + "/pw"
        try "s3cret phrase\n".write(toFile: pw, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: pw)
        let exposed = try await Peers.sigil(["key", "new", "--keystore", dir + "/sigil-a.json", "--kdf", "light", "--password-file", pw])
        #expect(exposed.status == 1 && exposed.err.contains("chmod 600"))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: pw)
        let made = try await Peers.sigil(["key", "new", "--keystore", dir + "/sigil-a.json", "--kdf", "light", "--password-file", pw])
        #expect(made.status == 0, "\(made.err)")
        let address = String(made.out.prefix(42))
        let mode = try FileManager.default.attributesOfItem(atPath: dir + "/sigil-a.json")[.posixPermissions] as! NSNumber
        #expect(mode.intValue == 0o600)
        let shown = try await Peers.sigil(["key", "address", "--keystore", dir + "/sigil-a.json", "--password-file", pw])
        #expect(shown.out.trimmingCharacters(in: .whitespacesAndNewlines) == address)
        #expect(!shown.out.contains("s3cret") && !made.out.contains("s3cret") && !made.err.contains("s3cret"))
        try JSONSerialization.data(withJSONObject: ["sigil-a.json": "s3cret phrase"]).write(to: URL(fileURLWithPath: dir + "/passwords.json"))
        let read = try await Peers.oracle(["keystore-read", dir])
        #expect(read.first?["address"] as? String == address)
        let again = try await Peers.sigil(["key", "new", "--keystore", dir + "/sigil-a.json", "--kdf", "light", "--password-file", pw])
        #expect(again.status == 1 && again.err.contains("never overwritten"))
        try "wrong".write(toFile: pw, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: pw)
        let wrong = try await Peers.sigil(["key", "address", "--keystore", dir + "/sigil-a.json", "--password-file", pw])
        #expect(wrong.status == 1 && wrong.err.contains("wrong password"))
    }
}

/// `sigil verify-model`'s verdicts and exit codes against a registry on the devnet and a snapshot.
@Suite struct VerifyModelCommandTests {
    @Test func verifyModelExitCodes() async throws {
        let f = try await RegistryFixture()
        defer { try? FileManager.default.removeItem(atPath: f.dir) }
        let onChain = ["--rpc", f.devnet.httpURL, "--registry", f.registry]
        let snap = ["--snapshot", f.snapshotPath]
        for source in [onChain, snap] {
            let ok = try await Peers.sigil(["verify-model", f.modelPath, "--model", "sigil/test-model", "--version", "1"] + source)
            #expect(ok.status == 0 && ok.out.hasPrefix("MATCH"), "\(ok)")
            // latest is version 2, whose hash is another file's
            let stale = try await Peers.sigil(["verify-model", f.modelPath, "--model", "sigil/test-model"] + source)
            #expect(stale.status == 1 && stale.out.hasPrefix("MISMATCH") && stale.out.contains(f.modelHash.description))
            let unknownVersion = try await Peers.sigil(["verify-model", f.modelPath, "--model", "sigil/test-model", "--version", "7"] + source)
            #expect(unknownVersion.status == 2 && unknownVersion.err.contains("versions 1…2"))
            let unregistered = try await Peers.sigil(["verify-model", f.modelPath, "--model", "sigil/nobody"] + source)
            #expect(unregistered.status == 2 && unregistered.err.contains("not registered"))
            let wrongPublisher = try await Peers.sigil(["verify-model", f.modelPath, "--model", "sigil/test-model", "--version", "1",
                                                  "--publisher", "0x" + String(repeating: "44", count: 20)] + source)
            #expect(wrongPublisher.status == 1 && wrongPublisher.out.hasPrefix("REFUSED"))
        }
        // one flipped byte, and a truncated file
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: f.modelPath)))
        bytes[bytes.count - 1] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: f.dir + "/flipped.safetensors"))
        try Data(bytes.prefix(bytes.count - 4)).write(to: URL(fileURLWithPath: f.dir + "/truncated.safetensors"))
        for bad in ["flipped", "truncated"] {
            let r = try await Peers.sigil(["verify-model", f.dir + "/\(bad).safetensors", "--model", "sigil/test-model", "--version", "1"] + snap)
            #expect(r.status == 1 && r.out.hasPrefix("MISMATCH"), "\(bad)")
        }
        let json = try await Peers.sigil(["verify-model", f.modelPath, "--model", "sigil/test-model", "--version", "1", "--json"] + snap)
        let obj = try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as! [String: Any]
        #expect(obj["verdict"] as? String == "match" && obj["actual"] as? String == f.modelHash.description)
        let missingFile = try await Peers.sigil(["verify-model", f.dir + "/nope", "--model", "sigil/test-model"] + snap)
        #expect(missingFile.status == 2)
        let unreachable = try await Peers.sigil(["verify-model", f.modelPath, "--model", "sigil/test-model", "--rpc", "http://127.0.0.1:9", "--registry", f.registry])
        #expect(unreachable.status == 2 && unreachable.err.contains("unreachable"))
    }
}

/// `sigil registry show` and `sigil models list` against a registry on the devnet and its snapshot.
@Suite struct RegistryShowAndModelsListTests {
    @Test func registryShowListsVersionsAndModelsListGivesVerdicts() async throws {
        let f = try await RegistryFixture()
        defer { try? FileManager.default.removeItem(atPath: f.dir) }
        let other = "0x" + String(repeating: "ab", count: 32)
        for source in [["--rpc", f.devnet.httpURL, "--registry", f.registry], ["--snapshot", f.snapshotPath]] {
            let all = try await Peers.sigil(["registry", "show", "sigil/test-model"] + source)
            #expect(all.status == 0, "\(all)")
            #expect(all.out.contains("version 1\n  sha256 \(f.modelHash)\n  uri file://\(f.modelPath)\n  publisher \(f.publisher.lowercased())"), "\(all.out)")
            #expect(all.out.contains("version 2 (latest)\n  sha256 \(other)\n  uri file://v2"), "\(all.out)")
            let one = try await Peers.sigil(["registry", "show", "sigil/test-model", "--version", "1"] + source)
            #expect(one.status == 0 && one.out.contains("version 1\n") && !one.out.contains("version 2"), "\(one)")
            let unknown = try await Peers.sigil(["registry", "show", "sigil/test-model", "--version", "7"] + source)
            #expect(unknown.status == 2 && unknown.err.contains("versions 1…2"), "\(unknown)")
            let unregistered = try await Peers.sigil(["registry", "show", "sigil/nobody"] + source)
            #expect(unregistered.status == 2 && unregistered.err.contains("not registered"), "\(unregistered)")
        }

        func config(_ version: String, file: String) throws -> String {
            let path = f.dir + "/models-\(version).yaml"
            let yaml = """
                feeds:
                  - {name: bundled, kind: replay, path: \(Peers.root)/data/replay/sigil-scenarios.jsonl.gz}
                registry:
                  snapshot: \(f.snapshotPath)
                models:
                  - id: sigil/test-model
                    file: \(file)
                    version: \(version)
                strategies: []
                outputs: {jsonl: \(f.dir)/o.jsonl, sqlite: \(f.dir)/o.sqlite}

                """
            try yaml.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let pinned = try await Peers.sigil(["models", "list", try config("1", file: f.modelPath)])
        #expect(pinned.status == 0 && pinned.out.contains("sigil/test-model: MATCH, version 1, newest registered 2, pinned to version 1"), "\(pinned)")
        #expect(pinned.out.contains("file \(f.modelPath), sha256 \(f.modelHash)") && pinned.out.contains("used by no strategy"), "\(pinned.out)")
        let latest = try await Peers.sigil(["models", "list", try config("latest", file: f.modelPath)])
        #expect(latest.status == 1 && latest.out.contains("sigil/test-model: MISMATCH, version 2, newest registered 2, following latest"), "\(latest)")
        let missing = try await Peers.sigil(["models", "list", try config("1", file: f.dir + "/missing.safetensors")])
        #expect(missing.status == 2 && (missing.out + missing.err).contains("missing.safetensors"), "\(missing)")

        // The bundled default: its model matches the bundled snapshot, used by the signals strategy.
        let (bundled, dir) = try Fixtures.bundledConfig()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let list = try await Peers.sigil(["models", "list", bundled])
        #expect(list.status == 0 && list.out.contains("sigil/model-signal: MATCH, version 1") && list.out.contains("used by signals (signal)"), "\(list)")
    }
}
