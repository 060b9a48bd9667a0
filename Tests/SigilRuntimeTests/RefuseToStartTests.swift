import Foundation
import SigilTestSupport
import Testing

/// `sigil run` refuses to start when a model fails verification, unless its strategy is optional.
@Suite struct RefuseToStartTests {
    static func run(model edit: (inout [UInt8]) -> Void = { _ in }, yaml change: (String) -> String = { $0 })
        async throws -> (status: Int32, out: String, err: String)
    {
        let (path, dir) = try RunTests.tempConfig()
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
