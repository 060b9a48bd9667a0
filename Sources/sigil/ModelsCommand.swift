import ArgumentParser
import Foundation
import SigilBundle
import SigilCore
import SigilRuntime

/// `sigil models list [CONFIG]`: each configured model against its registry.
struct ModelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "Work with the models a configuration uses.",
        subcommands: [List.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Each configured model: its registry entry, the newest version, the local file's hash, the verdict, who uses it.",
            discussion: """
                Nothing is loaded: each file is hashed and compared with the registry, as `sigil run` \
                does before it parses a byte. Exit status: 0 when every model matches, 1 when one \
                does not (or its publisher is not allowed), 2 when one could not be checked.
                """
        )

        @Argument(help: "The configuration file.")
        var config: String = "strategies.yaml"

        func run() async throws {
            let cfg: SigilConfig
            do { cfg = try ConfigLoader.load(path: config, components: .bundled) } catch {
                FileHandle.standardError.write(Data("sigil models list: \(error)\n".utf8))
                throw ExitCode(2)
            }
            let models = await ModelStatus.inventory(cfg)
            if models.isEmpty { print("\(config): no models configured") }
            for m in models {
                let following = m.selector == .latest ? "following latest" : "pinned to version \(m.selector)"
                let version = m.entry.map { "version \($0.version)" } ?? "version \(m.selector)"
                let latest = m.latestVersion.map { ", newest registered \($0)" } ?? ""
                print("\(m.id): \(m.verdict), \(version)\(latest), \(following)")
                print("  file \(m.file)" + (m.fileHash.map { ", sha256 \($0)" } ?? ""))
                if let e = m.entry {
                    print("  registered sha256 \(e.weightsHash), publisher \(e.publisher), contributor \(e.contributor)")
                    print("  uri \(TerminalText.escaped(e.uri))")
                }
                if case .unchecked(let why) = m.state { print("  not checked: \(TerminalText.escaped(why))") }
                print("  used by " + (m.usedBy.isEmpty ? "no strategy" : m.usedBy.joined(separator: ", ")))
            }
            if models.contains(where: { $0.state == .hashMismatch || $0.state == .publisherNotAllowed }) { throw ExitCode(1) }
            if models.contains(where: { if case .unchecked = $0.state { true } else { false } }) { throw ExitCode(2) }
        }
    }
}
