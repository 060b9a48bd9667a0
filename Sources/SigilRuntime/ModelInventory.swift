import SigilChain
public import SigilCore
import SigilModels

/// Each configured model as an operator checks it (`sigil models list`): the registry entry it
/// resolves to, the newest version registered, the local file's hash, the verdict, and the
/// strategies that use it. Nothing is loaded: only hashed, as `sigil run` does first.
public struct ModelStatus: Sendable {
    public enum State: Sendable, Equatable {
        /// The file's SHA-256 is the registered one and the publisher is allowed.
        case match
        case hashMismatch
        case publisherNotAllowed
        /// The check could not be made (registry unreachable, model or version unknown,
        /// file unreadable), with why.
        case unchecked(String)
    }

    public var id: String
    public var modelId: Hash32
    public var selector: ModelVersionSelector
    public var file: String
    public var entry: RegistryEntry?
    /// The newest registered version (nil when the registry could not say).
    public var latestVersion: UInt64?
    /// The local file's SHA-256 (nil when it could not be read).
    public var fileHash: Hash32?
    public var state: State
    /// "strategy (role)" for each strategy using the model.
    public var usedBy: [String]

    /// Checks every model of `config` against its registry, in the configuration's order.
    public static func inventory(_ config: SigilConfig) async -> [ModelStatus] {
        var users: [String: [String]] = [:]
        for s in config.strategies {
            for (role, id) in s.models.sorted(by: { $0.key < $1.key }) { users[id, default: []].append("\(s.name) (\(role))") }
        }
        let source: (any ModelRegistrySource)?
        let sourceError: String
        do {
            source = try config.registry.source()
            sourceError = ""
        } catch {
            source = nil
            sourceError = "registry: \(error)"
        }
        let allowed = config.publishers.isEmpty ? nil : Set(config.publishers)
        var out: [ModelStatus] = []
        for m in config.models {
            var s = ModelStatus(id: m.id, modelId: ModelID.parse(m.id), selector: m.version, file: m.file, entry: nil, latestVersion: nil,
                                fileHash: nil, state: .unchecked(sourceError), usedBy: users[m.id] ?? [])
            do {
                s.fileHash = try ModelHash.sha256(fileAt: m.file)
            } catch {
                s.state = .unchecked("\(m.file): \(error)")
            }
            guard let source else {
                out.append(s)
                continue
            }
            do {
                let entry = try await source.entry(model: s.modelId, version: m.version)
                s.entry = entry
                s.latestVersion = m.version == .latest ? entry.version : (try? await source.entry(model: s.modelId, version: .latest))?.version
                if let hash = s.fileHash {
                    if let allowed, !allowed.contains(entry.publisher) {
                        s.state = .publisherNotAllowed
                    } else {
                        s.state = hash == entry.weightsHash ? .match : .hashMismatch
                    }
                }
            } catch {
                s.state = .unchecked("version \(m.version): \(error)")
            }
            out.append(s)
        }
        return out
    }

    /// The verdict in a word: MATCH, MISMATCH, REFUSED or UNCHECKED.
    public var verdict: String {
        switch state {
        case .match: "MATCH"
        case .hashMismatch: "MISMATCH"
        case .publisherNotAllowed: "REFUSED"
        case .unchecked: "UNCHECKED"
        }
    }
}
