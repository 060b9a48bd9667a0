import Foundation
public import Logging
import SigilCore
public import Yams

/// `kind: replay`: a recording of frames (see `Recording`), played to its end.
public enum ReplayFeed: FeedKind {
    public static let kind = "replay"
    public static let summary = "a recording of node frames (JSONL, optionally gzip), played to its end"
    public static let keys = ["name", "kind", "path", "chain_id"]

    public struct Settings: FeedSettings, Hashable {
        public var name: String
        /// The recording.
        public var path: String
        /// nil: read it from manifest.json beside the recording.
        public var chainId: UInt64?

        public init(name: String, path: String, chainId: UInt64? = nil) {
            self.name = name
            self.path = path
            self.chainId = chainId
        }

        public var effectiveYAML: [String] { ["path: \(path)", "chain_id: \(chainId.map(String.init) ?? "from manifest.json")"] }

        public func makeLiveFeed(logger: Logger) -> (any LiveFeed)? { nil }

        /// The chain id: configured, or from manifest.json beside the recording.
        public func resolvedChainId() throws(FeedError) -> UInt64 {
            if let chainId { return chainId }
            let manifest = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("manifest.json")
            guard let bytes = try? InputFile.bytes(manifest.path, what: "manifest", limit: 1 << 20),
                  let obj = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
                  let id = (obj["chainId"] as? NSNumber)?.uint64Value
            else {
                throw FeedError(description: "feed \(name): no chain_id configured and no manifest.json with a chainId beside \(path)")
            }
            return id
        }
    }

    public static func settings(name: String, _ m: [String: Node], node: Node, context: FeedConfigContext) throws(ConfigError) -> any FeedSettings {
        guard let p = m["path"] else { throw context.reader.fail(node, "a replay feed needs a 'path' to a recording") }
        let file = try context.path(p, "recording", mustExist: true)
        do throws(FeedError) { _ = try Recording(path: file) } catch { throw context.reader.fail(p, error.description) }
        return Settings(name: name, path: file, chainId: try context.chainId(m["chain_id"]))
    }
}
