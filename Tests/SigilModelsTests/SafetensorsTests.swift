import Foundation
import SigilCore
import SigilModels
import SigilTestSupport
import Testing

@Suite struct SafetensorsTests {
    static func tempDir() -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("sigil-st-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    @Test func readsWhatTheSafetensorsPackageWrites() async throws {
        let dir = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cases = try await Peers.oracle(["safetensors", dir, "--count", "200", "--seed", "3"])
        #expect(cases.count == 200)
        for c in cases {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: c["path"] as! String)))
            let st = try Safetensors(bytes: bytes)
            #expect(st.metadata == c["metadata"] as! [String: String])
            let tensors = c["tensors"] as! [String: [String: Any]]
            #expect(Set(st.tensors.map(\.name)) == Set(tensors.keys))
            for (name, t) in tensors {
                #expect(st.tensor(named: name)?.shape == (t["shape"] as! [Int]))
                #expect(try st.floats(name) == (t["values"] as! [Double]).map { Float($0) })
            }
        }
    }

    @Test func theSafetensorsPackageReadsWhatSigilWrites() async throws {
        let dir = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/m.safetensors"
        let w: [Float] = [1.5, -2, 3.25, 0, 1e-7, -1e7]
        let bytes = try Safetensors.encode([("layer0.weight", [2, 3], w), ("layer0.bias", [2], [0.5, -0.5])],
                                           metadata: ["architecture": "mlp", "features": "r1,r4"])
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let answers = try await Peers.oracle(["safetensors-read", path])
        try #require(answers.count == 1)
        let read = answers[0]
        #expect(read["metadata"] as! [String: String] == ["architecture": "mlp", "features": "r1,r4"])
        let tensors = read["tensors"] as! [String: [String: Any]]
        #expect((tensors["layer0.weight"]!["values"] as! [Double]).map { Float($0) } == w)
        #expect(tensors["layer0.bias"]!["shape"] as! [Int] == [2])
        #expect(try Safetensors(bytes: bytes).floats("layer0.weight") == w)
    }

    /// A hand-built file: header JSON and buffer as given.
    static func file(_ header: String, buffer: Int, declaredLength: UInt64? = nil) -> [UInt8] {
        let h = Array(header.utf8)
        var out = [UInt8]()
        withUnsafeBytes(of: (declaredLength ?? UInt64(h.count)).littleEndian) { out += $0 }
        return out + h + [UInt8](repeating: 0, count: buffer)
    }

    @Test func rejectsEveryMalformedLayout() {
        let ok = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"U8","shape":[3],"data_offsets":[8,11]}}"#
        #expect(throws: Never.self) { try Safetensors(bytes: Self.file(ok, buffer: 11)) }
        let bad: [(String, [UInt8])] = [
            ("short file", [1, 2, 3]),
            ("header past the end", Self.file(ok, buffer: 11, declaredLength: 10_000)),
            ("header over the limit", Self.file(ok, buffer: 11, declaredLength: 1 << 40)),
            ("not an object", Self.file("[1,2]", buffer: 0)),
            ("not JSON", Self.file("{oops", buffer: 0)),
            ("hole", Self.file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"U8","shape":[3],"data_offsets":[9,12]}}"#, buffer: 12)),
            ("overlap", Self.file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"U8","shape":[3],"data_offsets":[6,9]}}"#, buffer: 9)),
            ("out of range", Self.file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, buffer: 4)),
            ("trailing bytes", Self.file(ok, buffer: 12)),
            ("shape disagrees", Self.file(#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, buffer: 8)),
            ("unknown dtype", Self.file(#"{"a":{"dtype":"F7","shape":[2],"data_offsets":[0,8]}}"#, buffer: 8)),
            ("negative dim", Self.file(#"{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#, buffer: 8)),
            ("boolean offset", Self.file(#"{"a":{"dtype":"U8","shape":[1],"data_offsets":[false,true]}}"#, buffer: 1)),
            ("fractional offset", Self.file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8.5]}}"#, buffer: 8)),
            ("extra key", Self.file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":1}}"#, buffer: 8)),
            ("metadata not strings", Self.file(#"{"__metadata__":{"k":1}}"#, buffer: 0)),
            ("huge shape", Self.file(#"{"a":{"dtype":"F32","shape":[100000000000,100000000000],"data_offsets":[0,8]}}"#, buffer: 8)),
        ]
        for (what, bytes) in bad {
            #expect(throws: ModelError.self, "\(what)") { try Safetensors(bytes: bytes) }
        }
    }

    @Test func hashEqualsSha256OfTheBytes() throws {
        let dir = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/x.bin"
        let bytes = (0..<(3 << 20) + 17).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(try ModelHash.sha256(fileAt: path) == ModelHash.sha256(bytes))
        #expect(ModelHash.sha256([]).description == "0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(throws: ModelError.self) { try ModelHash.sha256(fileAt: dir + "/missing") }
    }
}
