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
