import ArgumentParser
import Foundation
import SigilChain
import SigilCore
import SigilRuntime

/// `sigil registry show|deploy|authorize|revoke|publish`: read the ModelRegistry, and the writes
/// its owner and publishers make (RegistryWrites.swift).
struct RegistryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registry",
        abstract: "Read the ModelRegistry, deploy one, authorise publishers, publish model versions.",
        subcommands: [Show.self, Deploy.self, Authorize.self, Revoke.self, Publish.self]
    )

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A model's registered versions: hash, URI, publisher and contributor.",
            discussion: """
                Without --version: the newest \(Show.shownVersions) versions, newest last. Exit status: 0, \
                or 2 when the registry cannot be read or does not know the model or version.
                """
        )

        /// Versions listed at most without --version (a registry may hold any number).
        static let shownVersions: UInt64 = 20

        @Argument(help: "Model id: a name (hashed with keccak256) or 0x + 64 hex digits.")
        var model: String

        @Option(help: "One version number, or 'latest'.")
        var version: ModelVersionSelector?

        @OptionGroup var registryOptions: RegistryOptions

        func run() async throws {
            let source: any ModelRegistrySource
            do { source = try registryOptions.resolve().source } catch { throw fail("\(error)") }
            let id = ModelID.parse(model)
            let latest: RegistryEntry
            do { latest = try await source.entry(model: id, version: version ?? .latest) } catch {
                throw fail("model \(model) (\(id)) version \(version ?? .latest): \(error)")
            }
            print("model \(model) = \(id)")
            var entries = [latest]
            if version == nil, latest.version > 1 {
                let first = latest.version > Self.shownVersions ? latest.version - Self.shownVersions + 1 : 1
                if first > 1 { print("  (versions 1…\(first - 1) not shown: --version N shows one)") }
                entries = []
                for v in first...latest.version {
                    do { entries.append(try await source.entry(model: id, version: .pinned(v))) } catch {
                        throw fail("model \(model) version \(v): \(error)")
                    }
                }
            }
            for e in entries {
                print("version \(e.version)\(e.version == latest.version && version == nil ? " (latest)" : "")")
                print("  sha256 \(e.weightsHash)")
                print("  uri \(TerminalText.escaped(e.uri))")
                print("  publisher \(e.publisher), contributor \(e.contributor)")
            }
        }

        func fail(_ message: String) -> ExitCode {
            FileHandle.standardError.write(Data("sigil registry show: \(TerminalText.escaped(message))\n".utf8))
            return ExitCode(2)
        }
    }
}
