import ArgumentParser
import Foundation
import SigilChain
import SigilCore
import SigilModels
import SigilRuntime

/// `sigil verify-model FILE --model ID …`: hash a weights file and compare it with the registry.
struct VerifyModel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-model",
        abstract: "Check a model file against the hash the ModelRegistry records for it.",
        discussion: """
            Exit status: 0 when the file matches, 1 when it does not (or its publisher is not \
            allowed), 2 when the check could not be made (unregistered model, unknown version, \
            unreachable registry, unreadable file).
            """
    )

    @Argument(help: "The weights file (.safetensors).")
    var file: String

    @Option(help: "Model id: a name (hashed with keccak256) or 0x + 64 hex digits.")
    var model: String

    @Option(help: "A version number, or 'latest'.")
    var version: ModelVersionSelector = .latest

    @OptionGroup var registryOptions: RegistryOptions

    @Option(name: .customLong("publisher"), help: "An allowed publisher address; repeat for several.")
    var publishers: [Address] = []

    @Flag(help: "Print the verdict as JSON.")
    var json = false

    func run() async throws {
        let source: any ModelRegistrySource
        let allowedFromConfig: [Address]
        do { (source, allowedFromConfig) = try registryOptions.resolve() } catch { throw fail("\(error)") }
        let selector = version
        let id = ModelID.parse(model)
        let entry: RegistryEntry
        do {
            entry = try await source.entry(model: id, version: selector)
        } catch {
            throw fail("model \(model) (\(id)) version \(selector): \(error)")
        }
        let listed = publishers + allowedFromConfig
        let allowed = listed.isEmpty ? nil : Set(listed)
        let result: ModelVerification
        do {
            result = try ModelVerification.check(file: file, against: entry, allowedPublishers: allowed)
        } catch {
            throw fail(error.description)
        }
        if json {
            let obj: [String: Any] = [
                "verdict": "\(result.verdict)", "file": file, "model": model, "modelId": "\(id)",
                "version": entry.version, "expected": "\(entry.weightsHash)", "actual": "\(result.actualHash)",
                "publisher": "\(entry.publisher)", "contributor": "\(entry.contributor)", "uri": entry.uri,
            ]
            let data = try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(result.summary)
            print("  model \(model) = \(id), version \(entry.version)")
            print("  registered sha256 \(entry.weightsHash), publisher \(entry.publisher), contributor \(entry.contributor)")
            print("  uri \(entry.uri)")
        }
        if !result.isMatch { throw ExitCode(1) }
    }

    /// Says why the check could not be made; the caller throws the exit code (2).
    func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("sigil verify-model: \(message)\n".utf8))
        return ExitCode(2)
    }
}
