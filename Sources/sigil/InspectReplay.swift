import ArgumentParser
import Foundation
import SigilBundle
import SigilChain
import SigilCore
import SigilFeeds
import SigilRuntime

/// `sigil inspect-replay FILE…`: decode recorded frames and summarise them.
struct InspectReplay: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect-replay",
        abstract: "Decode recorded feed frames (.jsonl or .jsonl.gz) and print what they hold."
    )

    @Argument(help: "Recorded frame files.")
    var files: [String]

    @Option(help: "Chain id of the recording (default: read from manifest.json beside the file).")
    var chainId: UInt64?

    func run() throws {
        for file in files {
            let chain: UInt64
            do {
                chain = try ReplayFeed.Settings(name: file, path: file, chainId: chainId).resolvedChainId()
            } catch {
                throw ValidationError("\(error); give --chain-id")
            }
            let recording: Recording
            do { recording = try Recording(path: file) } catch { throw ValidationError(error.description) }
            let s: RecordingSummary
            do { s = try RecordingSummary(recording: recording, decoder: FrameDecoder(chainId: chain)) } catch {
                FileHandle.standardError.write(Data("sigil inspect-replay: \(error)\n".utf8))
                throw ExitCode(2)
            }
            print("\(file): chain \(chain), \(s.frames) frames, blocks \(s.firstBlock.map(String.init) ?? "-")…\(s.lastBlock.map(String.init) ?? "-")")
            print("  heads \(s.heads), events \(s.events), retractions \(s.retractions), other logs \(s.otherLogs), rejected \(s.rejected.values.reduce(0, +))")
            for (kind, n) in s.byKind.sorted(by: { $0.key < $1.key }) { print("  \(kind.padding(toLength: 16, withPad: " ", startingAt: 0)) \(n)") }
            for (reason, n) in s.rejected.sorted(by: { $0.key.rawValue < $1.key.rawValue }) { print("  rejected \(reason.rawValue): \(n)") }
            let busiest = s.byEmitter.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(5)
            print("  busiest emitters:")
            for (a, n) in busiest {
                let reserves = s.reserves[a].map { "  reserves \($0.0) / \($0.1)" } ?? ""
                print("    \(a) \(n) events\(reserves)")
            }
        }
    }
}
