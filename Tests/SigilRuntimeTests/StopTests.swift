import Foundation
import SigilTestSupport
import Testing

/// SIGINT during `sigil run`: stop between frames, commit what was processed, summarise, exit 0.
@Suite struct StopTests {
    @Test func sigintCommitsAndSummarises() throws {
        let (path, dir) = try RunTests.tempConfig()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Peers.root + "/.build/debug/sigil")
        p.arguments = ["run", path]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let handle = out.fileHandleForReading
        var text = Data()
        while !String(decoding: text, as: UTF8.self).contains("ready in") {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            text.append(chunk)
        }
        kill(p.processIdentifier, SIGINT)
        text.append(handle.readDataToEndOfFile())
        p.waitUntilExit()
        let output = String(decoding: text, as: UTF8.self)
        #expect(p.terminationStatus == 0, "\(output)")
        #expect(output.contains("summary:"))
        let counts = try RunTests.manifestCounts()
        if output.contains("stopped by a shutdown signal") {
            #expect(!output.contains("summary: \(counts.frames) frames"), "stopped before the end")
        }
        // Whatever was processed is stored, in both sinks alike.
        let lines = try String(contentsOfFile: dir + "/out/outputs.jsonl", encoding: .utf8).split(separator: "\n").count
        let stored = output.split(separator: "\n").first { $0.contains("new outputs stored:") }
        #expect(stored?.contains("new outputs stored: \(lines) of \(lines)") == true, "\(output)")
    }
}
