import SigilChain
import SigilCore
public import SigilModels

/// Verifies every configured model against the registry before anything runs, and decides
/// which strategies may start: a strategy whose model fails is fatal unless it is `optional`,
/// in which case it is disabled with a reason.
public struct ModelGate {
    public struct Outcome: Sendable {
        /// Verified models by id (the bytes parsed are the bytes whose hash matched).
        public var verified: [String: NeuralModel] = [:]
        /// Strategies disabled because a model failed, with the reason.
        public var disabled: [String: String] = [:]

        /// `config` without the disabled strategies: what runs.
        public func enabled(in config: SigilConfig) -> SigilConfig {
            var c = config
            c.strategies.removeAll { disabled[$0.name] != nil }
            return c
        }
    }

    /// Why the bot refuses to start.
    public struct Refusal: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    public static func check(_ config: SigilConfig) async throws -> Outcome {
        var outcome = Outcome()
        var failures: [String: String] = [:]
        let source: any ModelRegistrySource
        do { source = try config.registry.source() } catch {
            if config.models.isEmpty { return outcome }
            throw Refusal(description: "registry: \(error)")
        }
        let allowed = config.publishers.isEmpty ? nil : Set(config.publishers)
        for m in config.models {
            do {
                let entry = try await source.entry(model: ModelID.parse(m.id), version: m.version)
                if let allowed, !allowed.contains(entry.publisher) {
                    failures[m.id] = "model \(m.id) version \(entry.version) was published by \(entry.publisher), not an allowed publisher"
                } else {
                    outcome.verified[m.id] = try NeuralModel.loadVerified(path: m.file, entry: entry, id: m.id)
                }
            } catch {
                failures[m.id] = "model \(m.id) version \(m.version): \(error)"
            }
        }
        for s in config.strategies {
            let failed = s.models.values.compactMap { failures[$0] }
            guard let reason = failed.first else { continue }
            if s.optional {
                outcome.disabled[s.name] = reason
            } else {
                throw Refusal(description: "strategy \(s.name) cannot start: \(reason)")
            }
        }
        return outcome
    }
}
