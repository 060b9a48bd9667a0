/// The typed parameters a plugin declares: each with a kind, a default and a valid range, so
/// the config loader can reject a typo, a wrong type or an out-of-range value by name.
public struct ParameterSpec: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        case double(ClosedRange<Double>)
        case int(ClosedRange<Int64>)
        case bool
        case string(allowed: [String]?)
    }

    /// The key under `params:` (snake_case).
    public let name: String
    public let kind: Kind
    public let defaultValue: ParameterValue
    public let help: String
    /// True when a running bot may take a new value on SIGHUP: the plugin is rebuilt with it
    /// and keeps its `state` (so a value that shapes the state, like a window's length, is not
    /// reloadable; changing one needs a restart).
    public let reloadable: Bool

    public init(_ name: String, _ kind: Kind, default defaultValue: ParameterValue, help: String, reloadable: Bool = false) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.help = help
        self.reloadable = reloadable
    }
}

public enum ParameterValue: Hashable, Sendable, CustomStringConvertible {
    case double(Double)
    case int(Int64)
    case bool(Bool)
    case string(String)

    public var description: String {
        switch self {
        case .double(let d): "\(d)"
        case .int(let i): "\(i)"
        case .bool(let b): "\(b)"
        case .string(let s): s
        }
    }
}

/// Validated parameter values, every declared parameter present (defaults filled in).
public struct ParameterValues: Hashable, Sendable {
    public let values: [String: ParameterValue]

    public init(_ values: [String: ParameterValue]) { self.values = values }

    /// The defaults of `specs`.
    public init(defaultsOf specs: [ParameterSpec]) {
        values = Dictionary(uniqueKeysWithValues: specs.map { ($0.name, $0.defaultValue) })
    }

    public func double(_ name: String) -> Double {
        switch values[name] {
        case .double(let d)?: d
        case .int(let i)?: Double(i)
        default: preconditionFailure("parameter \(name) is not declared as a number")
        }
    }

    public func int(_ name: String) -> Int64 {
        guard case .int(let i)? = values[name] else { preconditionFailure("parameter \(name) is not declared as an int") }
        return i
    }

    public func string(_ name: String) -> String {
        guard case .string(let s)? = values[name] else { preconditionFailure("parameter \(name) is not declared as a string") }
        return s
    }

    public func bool(_ name: String) -> Bool {
        guard case .bool(let b)? = values[name] else { preconditionFailure("parameter \(name) is not declared as a bool") }
        return b
    }
}
