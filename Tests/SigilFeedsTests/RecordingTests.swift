import Foundation
import SigilCore
import SigilFeeds
import SigilTestSupport
import Testing

/// Recordings are streamed: every gzip member read, a truncated or corrupt stream an error that
/// says how far it got, limits enforced while inflating, only regular files opened.
@Suite struct RecordingTests {
    static let bundled = Peers.root + "/data/replay/sigil-scenarios.jsonl.gz"

    static func tempDir() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sigil-rec-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func frames(_ path: String, maxBytes: Int = 64 << 30, maxFrameBytes: Int = 16 << 20) throws -> (Recording.Pass, Int) {
        var n = 0
        let pass = try Recording(path: path, maxBytes: maxBytes, maxFrameBytes: maxFrameBytes).forEachFrame { _ in n += 1 }
        return (pass, n)
    }

    @Test func aTruncatedGzipIsAnErrorNamingTheFramesRead() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let whole = try Data(contentsOf: URL(fileURLWithPath: Self.bundled))
        let (full, _) = try Self.frames(Self.bundled)
        let cut = dir + "/cut.jsonl.gz"
        try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: cut))
        var seen = 0
        #expect {
            try Recording(path: cut).forEachFrame { _ in seen += 1 }
        } throws: { error in
            "\(error)".contains("truncated") && "\(error)".contains("after \(seen) complete frames")
        }
        #expect(seen > 1_000 && seen < full.frames)
    }

    @Test func everyMemberOfAMultiMemberGzipIsRead() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let whole = try Data(contentsOf: URL(fileURLWithPath: Self.bundled))
        let two = dir + "/two.jsonl.gz"
        try (whole + whole).write(to: URL(fileURLWithPath: two))
        let (one, _) = try Self.frames(Self.bundled)
        let (pass, n) = try Self.frames(two)
        #expect(pass.members == 2 && pass.frames == 2 * one.frames && n == pass.frames)
        // Bytes after the last member that are not gzip: an error, not silence.
        let tail = dir + "/tail.jsonl.gz"
        try (whole + Data("garbage".utf8)).write(to: URL(fileURLWithPath: tail))
        #expect { try Self.frames(tail) } throws: { "\($0)".contains("are not gzip") }
    }

    /// A small file that inflates without end: the limit stops it while streaming, with memory
    /// flat (the reader holds one buffer, never the whole).
    @Test func theDecompressedLimitIsEnforcedWhileStreaming() async throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let bomb = dir + "/bomb.jsonl.gz"
        let made = try await Peers.execute("/bin/sh", ["-c", "head -c 200000000 /dev/zero | tr '\\0' 'a' | gzip -1 > \(bomb)"])
        #expect(made.status == 0)
        let size = try FileManager.default.attributesOfItem(atPath: bomb)[.size] as? Int ?? 0
        #expect(size < 2_000_000)
        #expect {
            try Self.frames(bomb, maxBytes: 50_000_000)
        } throws: { "\($0)".contains("inflates past the 48 MiB limit") }
        // Without that limit the one 200 MB line is skipped as oversize, not held.
        let (pass, n) = try Self.frames(bomb)
        #expect(pass.oversize == 1 && n == 0 && pass.bytes == 200_000_000)
    }

    @Test func onlyRegularFilesAreRecordings() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(mkfifo(dir + "/fifo.jsonl", 0o600) == 0)
        #expect { try Recording(path: dir + "/fifo.jsonl") } throws: { "\($0)".contains("is a FIFO") }
        #expect { try Recording(path: "/dev/zero") } throws: { "\($0)".contains("character device") }
        #expect { try Recording(path: dir) } throws: { "\($0)".contains("is a directory") }
        try "plain text\n".write(toFile: dir + "/x.jsonl.gz", atomically: true, encoding: .utf8)
        #expect { try Recording(path: dir + "/x.jsonl.gz") } throws: { "\($0)".contains("not a gzip file") }
    }

    /// Lines split across reads are reassembled; an over-long line is skipped and counted.
    @Test func linesAcrossReadsAndOversizeLines() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var text = ""
        var expected: [String] = []
        var rng = SplitMix64(seed: 9)
        for i in 0..<3_000 {
            let len = Int(rng.next() % 3_000)
            let line = "{\"i\":\(i),\"pad\":\"" + String(repeating: "x", count: len) + "\"}"
            text += line + (i % 7 == 0 ? "\n\n" : "\n")
            if line.utf8.count <= 2_000 { expected.append(line) }
        }
        try text.write(toFile: dir + "/lines.jsonl", atomically: true, encoding: .utf8)
        var got: [String] = []
        let pass = try Recording(path: dir + "/lines.jsonl", maxFrameBytes: 2_000).forEachFrame { got.append(String(decoding: $0, as: UTF8.self)) }
        #expect(got == expected)
        #expect(pass.oversize == 3_000 - expected.count)
    }
}
