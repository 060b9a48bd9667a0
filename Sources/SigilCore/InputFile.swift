#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file given by a user or a peer (configuration, keystore, recording, model, package),
/// opened so that nothing about it can hang or exhaust the process: only regular files are
/// read (a FIFO, a device such as /dev/zero, a socket or a directory is refused before a byte
/// is read, and opening never blocks), the size is checked against a limit first, and every
/// failure names the path and the reason (`is a directory`, `Permission denied`, …).
public final class InputFile {
    public let path: String
    /// The size the file had when it was opened.
    public let size: Int
    let fd: Int32

    /// Opens `path` for reading; `what` names it in errors ("the configuration", "model file").
    public init(_ path: String, what: String, limit: Int = .max) throws(InputFileError) {
        self.path = path
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw InputFileError(path: path, what: what, reason: Self.errnoText()) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let reason = Self.errnoText()
            close(fd)
            throw InputFileError(path: path, what: what, reason: reason)
        }
        let kind = st.st_mode & S_IFMT
        guard kind == S_IFREG else {
            close(fd)
            throw InputFileError(path: path, what: what, reason: Self.describe(kind))
        }
        let size = Int(st.st_size)
        guard size <= limit else {
            close(fd)
            throw InputFileError(path: path, what: what,
                                 reason: "\(Self.bytes(size)), larger than the \(Self.bytes(limit)) limit")
        }
        self.fd = fd
        self.size = size
    }

    deinit { close(fd) }

    /// Reads up to `buffer.count` bytes; 0 at the end of the file.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(InputFileError) -> Int {
        while true {
            let n = systemRead(fd, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw InputFileError(path: path, what: "file", reason: "read failed: " + Self.errnoText())
        }
    }

    /// The whole file (at most `size` bytes as opened; a file that grew past its limit while
    /// being read is refused rather than read without end).
    public func readAll(limit: Int = .max) throws(InputFileError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: size)
        var filled = 0
        while true {
            if filled == out.count {
                // Probe for growth since fstat, within the limit.
                guard out.count < limit else {
                    var probe: UInt8 = 0
                    let extra = try withUnsafeMutableBytes(of: &probe) { b in Result { () throws(InputFileError) in try read(into: b) } }.get()
                    if extra > 0 { throw InputFileError(path: path, what: "file", reason: "grew past the \(Self.bytes(limit)) limit while being read") }
                    return out
                }
                out.append(contentsOf: repeatElement(0, count: min(max(out.count, 4_096), limit - out.count)))
            }
            let n = try out.withUnsafeMutableBytes { b in
                Result { () throws(InputFileError) in try read(into: UnsafeMutableRawBufferPointer(rebasing: b[filled...])) }
            }.get()
            if n == 0 {
                out.removeSubrange(filled...)
                return out
            }
            filled += n
        }
    }

    /// Reads a whole regular file of at most `limit` bytes.
    public static func bytes(_ path: String, what: String, limit: Int) throws(InputFileError) -> [UInt8] {
        try InputFile(path, what: what, limit: limit).readAll(limit: limit)
    }

    /// Reads a whole regular file of at most `limit` bytes as UTF-8 text; invalid UTF-8 is an
    /// error naming the byte offset.
    public static func text(_ path: String, what: String, limit: Int) throws(InputFileError) -> String {
        let b = try bytes(path, what: what, limit: limit)
        if let bad = firstInvalidUTF8(b) {
            throw InputFileError(path: path, what: what, reason: "invalid UTF-8 at byte \(bad)")
        }
        return String(decoding: b, as: UTF8.self)
    }

    /// The offset of the first byte that is not part of valid UTF-8, or nil.
    public static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int? {
        var it = bytes.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &it) {
            case .valid(let s): offset += s.count
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }

    static func describe(_ kind: mode_t) -> String {
        switch kind {
        case S_IFDIR: "is a directory"
        case S_IFIFO: "is a FIFO (named pipe), not a regular file"
        case S_IFCHR: "is a character device, not a regular file"
        case S_IFBLK: "is a block device, not a regular file"
        case S_IFSOCK: "is a socket, not a regular file"
        default: "is not a regular file"
        }
    }

    /// A byte count for people: 512 bytes, 64 MiB, 3.2 GiB.
    public static func bytes(_ n: Int) -> String {
        if n < 1 << 10 { return "\(n) bytes" }
        let units = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var v = Double(n) / 1024, u = 0
        while v >= 1024, u < units.count - 1 { v /= 1024; u += 1 }
        let rounded = v >= 10 || v == v.rounded() ? "\(Int(v.rounded()))" : "\((v * 10).rounded() / 10)"
        return "\(rounded) \(units[u])"
    }
}

/// `read(2)`, under a name the methods called `read` do not shadow.
@inline(__always) func systemRead(_ fd: Int32, _ p: UnsafeMutableRawPointer?, _ n: Int) -> Int { read(fd, p, n) }

/// Why a file given from outside could not be read: the path, what it was for, and the reason.
public struct InputFileError: Error, CustomStringConvertible, Sendable, Equatable {
    public let path: String
    public let what: String
    public let reason: String

    public init(path: String, what: String, reason: String) {
        self.path = path
        self.what = what
        self.reason = reason
    }

    public var description: String { "\(what) \(path): \(reason)" }
}
