/// A plugin that cannot be built as configured.
public struct PluginError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
