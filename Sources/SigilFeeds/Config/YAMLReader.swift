import Foundation
public import Yams
public import SigilCore

/// Strict, located reading of a YAML tree: every error names file, line and column, an
/// unknown key lists the valid ones, and `${NAME}` in a string is replaced by that
/// environment variable (an unset one is an error).
public struct YAMLReader: Sendable {
    public let file: String
    public let environment: [String: String]

    public init(file: String, environment: [String: String]) {
        self.file = file
        self.environment = environment
    }

    public func fail(_ node: Node?, _ message: String) -> ConfigError {
        let mark = node?.mark
        return ConfigError(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1, message: message)
    }

    /// A mapping whose keys must be among `keys`; returns the values by key.
    public func mapping(_ node: Node, _ what: String, keys: [String]) throws(ConfigError) -> [String: Node] {
        guard case .mapping(let m) = node else { throw fail(node, "\(what) must be a mapping of keys to values") }
        var out: [String: Node] = [:]
        for (k, v) in m {
            guard let key = k.scalar?.string else { throw fail(k, "\(what) has a key that is not a plain string") }
            guard keys.contains(key) else {
                throw fail(k, "unknown key '\(key)' in \(what); valid keys: \(keys.joined(separator: ", "))")
            }
            guard out[key] == nil else { throw fail(k, "key '\(key)' appears twice in \(what)") }
            out[key] = v
        }
        return out
    }

    public func sequence(_ node: Node, _ what: String) throws(ConfigError) -> [Node] {
        guard case .sequence(let s) = node else { throw fail(node, "\(what) must be a list") }
        return Array(s)
    }

    public func string(_ node: Node, _ what: String) throws(ConfigError) -> String {
        guard let scalar = node.scalar, node.tag.rawValue == Tag.Name.str.rawValue else { throw fail(node, "\(what) must be a string") }
        return try expand(scalar.string, node, what)
    }

    public func int(_ node: Node, _ what: String, in range: ClosedRange<Int64>) throws(ConfigError) -> Int64 {
        guard node.tag.rawValue == Tag.Name.int.rawValue, let v = node.int else { throw fail(node, "\(what) must be a whole number") }
        guard range.contains(Int64(v)) else { throw fail(node, "\(what) is \(v); it must be between \(range.lowerBound) and \(range.upperBound)") }
        return Int64(v)
    }

    public func double(_ node: Node, _ what: String, in range: ClosedRange<Double>) throws(ConfigError) -> Double {
        guard node.tag.rawValue == Tag.Name.float.rawValue || node.tag.rawValue == Tag.Name.int.rawValue, let v = node.float else { throw fail(node, "\(what) must be a number") }
        guard range.contains(v) else { throw fail(node, "\(what) is \(v); it must be between \(range.lowerBound) and \(range.upperBound)") }
        return v
    }

    public func bool(_ node: Node, _ what: String) throws(ConfigError) -> Bool {
        guard node.tag.rawValue == Tag.Name.bool.rawValue, let v = node.bool else { throw fail(node, "\(what) must be true or false") }
        return v
    }

    public func address(_ node: Node, _ what: String) throws(ConfigError) -> Address {
        let s = try string(node, what)
        guard let a = Address(hex: s) else { throw fail(node, "\(what) must be a 0x address of 40 hex digits, not '\(s)'") }
        return a
    }

    public func choice(_ node: Node, _ what: String, _ allowed: [String]) throws(ConfigError) -> String {
        let s = try string(node, what)
        guard allowed.contains(s) else { throw fail(node, "\(what) is '\(s)'; valid values: \(allowed.joined(separator: ", "))") }
        return s
    }

    /// Replaces `${NAME}` with the environment's value.
    public func expand(_ text: String, _ node: Node, _ what: String) throws(ConfigError) -> String {
        guard text.contains("${") else { return text }
        var out = ""
        var rest = Substring(text)
        while let start = rest.range(of: "${") {
            out += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else { throw fail(node, "\(what) has an unclosed ${") }
            let name = String(rest[start.upperBound..<end])
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                throw fail(node, "\(what) has an invalid variable name '${\(name)}'")
            }
            guard let value = environment[name] else { throw fail(node, "\(what) uses ${\(name)}, which is not set in the environment") }
            out += value
            rest = rest[rest.index(after: end)...]
        }
        return out + rest
    }
}
