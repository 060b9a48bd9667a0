public import SigilPluginAPI

/// What a configuration file read again (on SIGHUP) changes in a running bot: the new values of
/// the parameters their plugins mark reloadable, which are taken together; and everything else
/// that differs, which only a restart can take and which is left as it runs.
public struct ConfigReload: Sendable, Equatable {
    /// One reloadable parameter's new value.
    public struct Change: Sendable, Equatable, CustomStringConvertible {
        public var strategy: String
        public var parameter: String
        public var old: ParameterValue
        public var new: ParameterValue

        public var description: String { "\(strategy).\(parameter) \(old) → \(new)" }
    }

    public var changes: [Change] = []
    /// What differs and needs a restart (`risk`, `strategies.signals.pools`,
    /// `strategies.rug-guard.params.window_blocks`, …), in the file's order.
    public var needsRestart: [String] = []

    /// Compares the running configuration with the file's.
    public init(running: SigilConfig, file: SigilConfig) {
        let sections = Self.sections(running.effectiveYAML), fileSections = Self.sections(file.effectiveYAML)
        for (key, text) in fileSections where key != "strategies" && sections.first(where: { $0.key == key })?.text != text {
            needsRestart.append(key)
        }
        if running.followInterval != file.followInterval || running.followSubscription != file.followSubscription {
            needsRestart.append("registry (following)")
        }
        let names = running.strategies.map(\.name), fileNames = file.strategies.map(\.name)
        guard names == fileNames, zip(running.strategies, file.strategies).allSatisfy({ $0.plugin == $1.plugin }) else {
            needsRestart.append("strategies (added, removed, reordered or another plugin)")
            return
        }
        for (old, new) in zip(running.strategies, file.strategies) {
            if old.optional != new.optional { needsRestart.append("strategies.\(old.name).optional") }
            if old.pools != new.pools { needsRestart.append("strategies.\(old.name).pools") }
            if old.models != new.models { needsRestart.append("strategies.\(old.name).models") }
            let specs = running.plugins.plugin(kind: old.plugin)?.parameterSpecs ?? []
            for spec in specs {
                let before = old.parameters.values[spec.name], after = new.parameters.values[spec.name]
                guard before != after else { continue }
                if spec.reloadable, let before, let after {
                    changes.append(Change(strategy: old.name, parameter: spec.name, old: before, new: after))
                } else {
                    needsRestart.append("strategies.\(old.name).params.\(spec.name)")
                }
            }
        }
    }

    /// `running` with the changes made (what the bot runs once they are applied).
    public func applied(to running: SigilConfig) -> SigilConfig {
        var out = running
        for c in changes {
            guard let i = out.strategies.firstIndex(where: { $0.name == c.strategy }) else { continue }
            var values = out.strategies[i].parameters.values
            values[c.parameter] = c.new
            out.strategies[i].parameters = ParameterValues(values)
        }
        return out
    }

    /// The effective YAML's top-level sections, each with its text.
    static func sections(_ yaml: String) -> [(key: String, text: String)] {
        var out: [(key: String, text: String)] = []
        for line in yaml.split(separator: "\n", omittingEmptySubsequences: false) {
            if let first = line.first, first != " " {
                out.append((String(line.prefix { $0 != ":" }), String(line)))
            } else if !out.isEmpty {
                out[out.count - 1].text += "\n" + line
            }
        }
        return out
    }
}
