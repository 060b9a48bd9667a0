import ArgumentParser
import Foundation
import SigilBundle
import SigilFeeds
import SigilPluginAPI
import SigilRuntime

/// `sigil config check [CONFIG]`: validate strategies.yaml and print it with defaults filled in.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Work with strategies.yaml.",
        subcommands: [Check.self, Plugins.self]
    )

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a configuration and print it with every default filled in."
        )

        @Argument(help: "The configuration file.")
        var config: String = "strategies.yaml"

        func run() throws {
            do {
                print(try ConfigLoader.load(path: config, components: .bundled).effectiveYAML, terminator: "")
            } catch {
                FileHandle.standardError.write(Data("\(error)\n".utf8))
                throw ExitCode(2)
            }
        }
    }

    struct Plugins: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the registered plugins with their parameters, and the feed kinds.")

        func run() {
            for plugin in Components.bundled.plugins.all.sorted(by: { $0.kind < $1.kind }) {
                print("\(plugin.kind): \(plugin.summary)")
                for p in plugin.parameterSpecs {
                    print("  \(p.name) (default \(p.defaultValue)\(Self.range(p.kind)))\(p.reloadable ? " [reloadable]" : ""): \(p.help)")
                }
            }
            print("feed kinds:")
            for feed in Components.bundled.feeds.all { print("  \(feed.kind): \(feed.summary)") }
        }

        static func range(_ k: ParameterSpec.Kind) -> String {
            switch k {
            case .double(let r): ", \(r.lowerBound)…\(r.upperBound)"
            case .int(let r): ", \(r.lowerBound)…\(r.upperBound)"
            case .bool: ", true or false"
            case .string(let allowed): allowed.map { ", one of \($0.joined(separator: ", "))" } ?? ""
            }
        }
    }
}
