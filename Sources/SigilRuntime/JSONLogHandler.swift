public import Foundation
public import Logging

/// Logs one JSON object per line (`--log-format json`): `ts` (ISO 8601, UTC, milliseconds),
/// `level`, `label`, `message`, and `metadata` when there is any; for log shippers that want
/// fields, not text.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let label: String
    let handle: FileHandle

    public init(label: String, handle: FileHandle = .standardError) {
        self.label = label
        self.handle = handle
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var all = metadata
        if let provided = metadataProvider?.get() { all.merge(provided) { _, new in new } }
        if let extra = event.metadata { all.merge(extra) { _, new in new } }
        handle.write(Data((Self.line(level: event.level.rawValue, label: label, message: "\(event.message)",
                                     metadata: all.mapValues { "\($0)" }) + "\n").utf8))
    }

    /// One log line as JSON.
    public static func line(level: String, label: String, message: String, metadata: [String: String] = [:]) -> String {
        var object: [String: Any] = ["ts": Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)),
                                     "level": level, "label": label, "message": message]
        if !metadata.isEmpty { object["metadata"] = metadata }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            return #"{"level":"error","message":"a log line could not be encoded"}"#
        }
        return String(decoding: data, as: UTF8.self)
    }
}
