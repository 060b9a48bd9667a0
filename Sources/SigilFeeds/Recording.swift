import CZlib
import Glibc
import SigilCore

/// A recorded feed: one websocket frame per line, exactly as it arrived, optionally gzipped
/// (`.jsonl.gz`). The live path and the replay path share one decoder, so a recording
/// exercises the same code as the wire.
///
/// The file is streamed, never read whole: memory stays flat whatever its size. A gzip file is
/// inflated incrementally, every member of a multi-member file (`cat a.gz b.gz`) in turn; a
/// stream cut short, corrupt, followed by bytes that are not gzip, or inflating past `maxBytes`
/// is an error that says how many frames were read before it. A line longer than
/// `maxFrameBytes` is skipped and counted as oversize.
public struct Recording: Sendable {
    public let path: String
    public let isGzip: Bool
    /// Bound on the bytes the recording inflates to (checked while streaming).
    public let maxBytes: Int
    /// Bound on one frame (line).
    public let maxFrameBytes: Int

    /// What one pass over the recording read.
    public struct Pass: Sendable {
        /// Frames handed to the body.
        public var frames = 0
        /// Lines skipped for being longer than `maxFrameBytes`.
        public var oversize = 0
        /// Bytes read after decompression.
        public var bytes = 0
        /// gzip members read.
        public var members = 0
    }

    /// Checks that `path` is a readable regular file and, for `.gz`, that it starts like gzip.
    public init(path: String, maxBytes: Int = 64 << 30, maxFrameBytes: Int = 16 << 20) throws(FeedError) {
        self.path = path
        self.maxBytes = maxBytes
        self.maxFrameBytes = maxFrameBytes
        isGzip = path.hasSuffix(".gz")
        let file: InputFile
        do { file = try InputFile(path, what: "recording") } catch { throw FeedError(description: error.description) }
        var head: [UInt8] = [0, 0]
        let n = (try? head.withUnsafeMutableBytes { (b) throws(InputFileError) in try file.read(into: b) }) ?? 0
        if isGzip, n > 0, !(n == 2 && head == [0x1f, 0x8b]) {
            throw FeedError.recording(path, "not a gzip file (it does not start with the gzip magic bytes 1f 8b)")
        }
        // A plain recording is JSON text, one object per line.
        if !isGzip, n > 0, let first = head.prefix(n).first(where: { ![0x20, 0x0a, 0x0d, 0x09].contains($0) }), first != UInt8(ascii: "{") {
            throw FeedError.recording(path, "not a recording: it does not start with a JSON object (one websocket frame per line)")
        }
    }

    /// Calls `body` with each non-empty line, in order, without copying it when it lies within
    /// one read; returns what was read. A recording that cannot be read to its end throws after
    /// every frame before the fault was handed over.
    @discardableResult
    public func forEachFrame(_ body: (UnsafeRawBufferPointer) throws -> Void) throws -> Pass {
        let file: InputFile
        do { file = try InputFile(path, what: "recording") } catch { throw FeedError(description: error.description) }
        var lines = LineSplitter(maxLine: maxFrameBytes)
        var pass = Pass()
        func deliver(_ chunk: UnsafeRawBufferPointer) throws {
            pass.bytes += chunk.count
            guard pass.bytes <= maxBytes else {
                throw FeedError.recording(path, "inflates past the \(InputFile.bytes(maxBytes)) limit for a recording after \(pass.frames) frames; stopped reading")
            }
            try lines.feed(chunk) { line in
                pass.frames += 1
                try body(line)
            }
        }
        if isGzip {
            pass.members = try inflate(file, progress: { (pass.frames, pass.bytes) }, deliver)
        } else {
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
            defer { buffer.deallocate() }
            while true {
                let n: Int
                do { n = try file.read(into: buffer) } catch { throw FeedError(description: "\(error) after \(pass.frames) frames") }
                if n == 0 { break }
                try deliver(UnsafeRawBufferPointer(rebasing: buffer[..<n]))
            }
        }
        try lines.finish { line in
            pass.frames += 1
            try body(line)
        }
        pass.oversize = lines.oversize
        return pass
    }

    /// Streams every gzip member of `file` through zlib into `deliver`.
    /// Returns how many members were read; `progress` says how far the frames got, for errors.
    func inflate(_ file: InputFile, progress: () -> (frames: Int, bytes: Int),
                 _ deliver: (UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        let inSize = 1 << 18, outSize = 1 << 20
        let input = UnsafeMutablePointer<UInt8>.allocate(capacity: inSize)
        let output = UnsafeMutablePointer<UInt8>.allocate(capacity: outSize)
        defer {
            input.deallocate()
            output.deallocate()
        }
        var z = z_stream()
        // 16 + MAX_WBITS: gzip framing only.
        guard inflateInit2_(&z, 16 + MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw FeedError.recording(path, "zlib could not start")
        }
        defer { inflateEnd(&z) }
        var consumed = 0  // compressed bytes fed so far
        var inMember = true
        var members = 1
        var eof = false
        while true {
            if z.avail_in == 0, !eof {
                let n: Int
                do { n = try file.read(into: UnsafeMutableRawBufferPointer(start: input, count: inSize)) } catch {
                    throw FeedError(description: "\(error) after \(progress().frames) frames")
                }
                if n == 0 { eof = true } else {
                    z.next_in = input
                    z.avail_in = UInt32(n)
                }
            }
            if z.avail_in == 0, eof {
                guard !inMember else {
                    throw FeedError.recording(path, "the gzip stream is truncated: it ends inside member \(members) after \(progress().frames) complete frames (\(progress().bytes) bytes inflated); the frames read were processed, the rest is missing")
                }
                return members
            }
            if !inMember {
                // Between members: another member must start here (gzip magic), nothing else.
                guard z.next_in[0] == 0x1f else {
                    throw FeedError.recording(path, "\(z.avail_in) bytes after gzip member \(members) are not gzip (at compressed offset \(consumed)); \(progress().frames) frames were read")
                }
                guard inflateReset(&z) == Z_OK else { throw FeedError.recording(path, "zlib could not start member \(members + 1)") }
                inMember = true
                members += 1
            }
            let before = z.avail_in
            z.next_out = output
            z.avail_out = UInt32(outSize)
            let rc = CZlib.inflate(&z, Z_NO_FLUSH)
            consumed += Int(before - z.avail_in)
            let produced = outSize - Int(z.avail_out)
            if produced > 0 { try deliver(UnsafeRawBufferPointer(start: output, count: produced)) }
            switch rc {
            case Z_OK, Z_BUF_ERROR:
                continue
            case Z_STREAM_END:
                inMember = false
            default:
                let message = z.msg.map { String(cString: $0) } ?? "error \(rc)"
                throw FeedError.recording(path, "corrupt gzip data in member \(members) at compressed offset \(consumed): \(message); \(progress().frames) frames were read")
            }
        }
    }
}

/// Splits a byte stream into non-empty lines; a line that spans chunks is assembled, one longer
/// than `maxLine` is skipped (and counted) without being held.
struct LineSplitter {
    let maxLine: Int
    var carry: [UInt8] = []
    var skipping = false
    var oversize = 0

    init(maxLine: Int) { self.maxLine = maxLine }

    mutating func feed(_ chunk: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard let base = chunk.baseAddress else { return }
        var start = 0
        let n = chunk.count
        while start < n {
            guard let nl = memchr(base + start, 0x0a, n - start) else {
                append(UnsafeRawBufferPointer(start: base + start, count: n - start))
                return
            }
            let end = base.distance(to: UnsafeRawPointer(nl))
            if carry.isEmpty, !skipping {
                if end - start > maxLine {
                    oversize += 1
                } else if end > start {
                    try body(UnsafeRawBufferPointer(start: base + start, count: end - start))
                }
            } else {
                append(UnsafeRawBufferPointer(start: base + start, count: end - start))
                try flushCarry(body)
            }
            start = end + 1
        }
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard !skipping else { return }
        if carry.count + bytes.count > maxLine {
            skipping = true
            carry = []
            return
        }
        carry.append(contentsOf: bytes)
    }

    mutating func flushCarry(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        if skipping {
            oversize += 1
        } else if !carry.isEmpty {
            try carry.withUnsafeBytes { try body($0) }
        }
        carry.removeAll(keepingCapacity: true)
        skipping = false
    }

    /// The last line, when the stream does not end with a newline.
    mutating func finish(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        if skipping || !carry.isEmpty { try flushCarry(body) }
    }
}

/// An error of the feed layer.
public struct FeedError: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(description: String) { self.description = description }

    static func recording(_ path: String, _ why: String) -> FeedError { FeedError(description: "recording \(path): \(why)") }
}
