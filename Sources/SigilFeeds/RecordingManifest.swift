import Foundation
import SigilCore

/// The `manifest.json` a recording is written with (`make scenarios`, `make scenario-sets`), as
/// far as Sigil reads it: the chain id and each file's frame count. Read once here for the
/// replay feed's chain id and the backtest's progress bar.
public struct RecordingManifest: Decodable, Sendable {
    public struct File: Decodable, Sendable {
        public var frames: Int?
    }

    public var chainId: UInt64?
    public var files: [String: File]?

    /// Manifests are small; anything larger is not one.
    public static let maxBytes = 1 << 20

    /// The manifest beside `recording`, or nil when there is none or it does not parse.
    public static func beside(_ recording: String) -> RecordingManifest? {
        let path = URL(fileURLWithPath: recording).deletingLastPathComponent().appendingPathComponent("manifest.json").path
        guard let bytes = try? InputFile.bytes(path, what: "manifest", limit: maxBytes) else { return nil }
        return try? JSONDecoder().decode(RecordingManifest.self, from: Data(bytes))
    }

    /// The frames the manifest lists for `recording` (0 when unknown).
    public static func frames(of recording: String) -> Int {
        max(beside(recording)?.files?[URL(fileURLWithPath: recording).lastPathComponent]?.frames ?? 0, 0)
    }
}
