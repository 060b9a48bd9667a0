import CompressNIO
import Foundation
public import NIOCore

/// A recorded feed: one websocket frame per line, exactly as it arrived, optionally gzipped
/// (`.jsonl.gz`). The live path and the replay path share one decoder, so a recording
/// exercises the same code as the wire.
public struct Recording: Sendable {
    /// The decompressed file.
    public let bytes: ByteBuffer
    public let path: String

    /// Reads and (for `.gz`) decompresses `path`; `maxBytes` bounds the decompressed size.
    public init(path: String, maxBytes: Int = 2 << 30) throws(FeedError) {
        self.path = path
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FeedError.recording(path, "cannot read the file")
        }
        var raw = ByteBuffer(bytes: data)
        if path.hasSuffix(".gz") {
            do {
                bytes = try raw.decompress(with: .gzip, maxSize: maxBytes)
            } catch {
                throw FeedError.recording(path, "not valid gzip: \(error)")
            }
        } else {
            bytes = raw
        }
    }

    /// Calls `body` with each non-empty line, without copying it.
    public func forEachFrame(_ body: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        try bytes.withUnsafeReadableBytes { all in
            var start = 0
            let n = all.count
            while start < n {
                var end = start
                while end < n, all[end] != 0x0a { end += 1 }
                if end > start {
                    try body(UnsafeRawBufferPointer(rebasing: all[start..<end]))
                }
                start = end + 1
            }
        }
    }
}

/// An error of the feed layer.
public struct FeedError: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(description: String) { self.description = description }

    static func recording(_ path: String, _ why: String) -> FeedError { FeedError(description: "\(path): \(why)") }
}
