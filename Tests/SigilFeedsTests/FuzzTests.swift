import Foundation
import SigilCore
import SigilFeeds
import SigilTestSupport
import Testing

/// Seeded mutation fuzzing of recordings as files: plain and gzipped, with mutated, cut,
/// spliced and repeated bytes. Reading one ends with its frames or a typed error.
@Suite struct RecordingFuzzTests {
    @Test func recordings() async throws {
        let dir = try RecordingTests.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // A small gzip of the bundled recording's first frames, and the same as plain text.
        var lines: [String] = []
        try Recording(path: RecordingTests.bundled).forEachFrame { if lines.count < 60 { lines.append(String(decoding: $0, as: UTF8.self)) } }
        try (lines.joined(separator: "\n") + "\n").write(toFile: dir + "/seed.jsonl", atomically: true, encoding: .utf8)
        let made = try await Peers.execute("/bin/sh", ["-c", "gzip -c \(dir)/seed.jsonl > \(dir)/seed.jsonl.gz"])
        #expect(made.status == 0)
        let gz = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/seed.jsonl.gz")))
        let plain = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/seed.jsonl")))
        for (name, seed) in [("gzip", gz), ("plain", plain)] {
            let path = dir + "/case.jsonl" + (name == "gzip" ? ".gz" : "")
            let r = await Fuzz.run("recordings (\(name))", corpus: [seed], cases: Fuzz.cases(default: 10_000)) { input in
                try Data(input).write(to: URL(fileURLWithPath: path))
                var frames = 0
                let pass = try Recording(path: path, maxBytes: 1 << 22, maxFrameBytes: 1 << 16).forEachFrame { _ in frames += 1 }
                #expect(pass.frames == frames && pass.bytes <= 1 << 22)
                return true
            }
            // Nearly every mutation of compressed bytes fails gzip's CRC; plain text almost always reads.
            #expect(r.accepted > 0 && (name == "plain" || r.refused > 0))
        }
    }
}
