import Foundation
import Glibc

/// The JSONL sink file: one line per stored output (and per retraction), appended after the
/// transaction that stored it commits. The database is the record; on open the file is
/// reconciled with the database's `sink` table line by line (each line carries its output's
/// key), so that after any interruption it holds exactly the database's lines, in order.
final class JSONLFile {
    let path: String
    let fd: Int32

    init(path: String) throws(StoreError) {
        self.path = path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NONBLOCK, 0o644)
        guard fd >= 0 else { throw StoreError("\(path): cannot open the JSONL output: \(Self.errnoText())") }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            throw StoreError("\(path): the JSONL output is not a regular file")
        }
        self.fd = fd
    }

    deinit { close(fd) }

    static func errnoText() -> String { String(cString: strerror(errno)) }

    /// Appends whole lines at the end of the file; a failed write (disk full, permissions) is
    /// an error naming the file. Lines the database holds and the file lacks are restored on the
    /// next open.
    func append(_ lines: [String]) throws(StoreError) {
        guard !lines.isEmpty else { return }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(lines.reduce(0) { $0 + $1.utf8.count + 1 })
        for l in lines {
            bytes.append(contentsOf: l.utf8)
            bytes.append(0x0a)
        }
        guard lseek(fd, 0, SEEK_END) >= 0 else { throw StoreError("\(path): cannot seek: \(Self.errnoText())") }
        try writeAll(bytes)
    }

    func writeAll(_ bytes: [UInt8]) throws(StoreError) {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { b in write(fd, b.baseAddress! + done, b.count - done) }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw StoreError("\(path): cannot write the JSONL output: \(Self.errnoText())")
            }
            done += n
        }
    }

    func sync() throws(StoreError) {
        guard fsync(fd) == 0 else { throw StoreError("\(path): cannot flush the JSONL output: \(Self.errnoText())") }
    }

    /// True when the file is `bytes` long and ends with `lastLine` and a newline (or is empty
    /// and `lastLine` nil): what the database's sink says it must hold.
    func isLevel(bytes: Int64, lastLine: String?) throws(StoreError) -> Bool {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw StoreError("\(path): cannot stat the JSONL output: \(Self.errnoText())") }
        guard Int64(st.st_size) == bytes else { return false }
        guard let lastLine else { return bytes == 0 }
        let want = Array(lastLine.utf8) + [0x0a]
        guard Int64(want.count) <= bytes else { return false }
        var tail = [UInt8](repeating: 0, count: want.count)
        let n = tail.withUnsafeMutableBytes { pread(fd, $0.baseAddress, want.count, off_t(bytes) - off_t(want.count)) }
        guard n == want.count else { return false }
        // The line before the last must end where the last begins.
        if Int64(want.count) < bytes {
            var before: UInt8 = 0
            guard pread(fd, &before, 1, off_t(bytes) - off_t(want.count) - 1) == 1, before == 0x0a else { return false }
        }
        return tail == want
    }

    /// The file's lines (the last one may lack its newline: `partial`).
    func readLines() throws(StoreError) -> (lines: [[UInt8]], partial: [UInt8]) {
        guard lseek(fd, 0, SEEK_SET) >= 0 else { throw StoreError("\(path): cannot seek: \(Self.errnoText())") }
        var lines: [[UInt8]] = []
        var current: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw StoreError("\(path): cannot read the JSONL output: \(Self.errnoText())")
            }
            if n == 0 { break }
            var start = 0
            for i in 0..<n where chunk[i] == 0x0a {
                current.append(contentsOf: chunk[start..<i])
                lines.append(current)
                current = []
                start = i + 1
            }
            current.append(contentsOf: chunk[start..<n])
        }
        return (lines, current)
    }

    /// Brings the file level with `expected` (the database's lines, in order):
    /// - the file is a prefix of them (a process killed between a commit and its write, maybe in
    ///   the middle of a line): the partial line is cut and the rest appended;
    /// - every line is one of them but order or count differ (lines lost or repeated): the file is
    ///   rewritten from the database, atomically;
    /// - a line is not one the store wrote: refused, the file left as it is (Sigil never rewrites
    ///   a file it did not write).
    /// Returns how many lines were appended, and whether the file was rewritten.
    @discardableResult
    func reconcile(with expected: [String], store: String) throws(StoreError) -> (appended: Int, rewritten: Bool) {
        let (lines, partial) = try readLines()
        var prefix = 0
        while prefix < lines.count, prefix < expected.count, lines[prefix].elementsEqual(expected[prefix].utf8) { prefix += 1 }
        let partialFits = partial.isEmpty || (lines.count < expected.count && expected[lines.count].utf8.starts(with: partial))
        if prefix == lines.count, partialFits {
            let end = lines.reduce(0) { $0 + $1.count + 1 }
            if !partial.isEmpty, ftruncate(fd, off_t(end)) != 0 {
                throw StoreError("\(path): cannot cut a partial last line: \(Self.errnoText())")
            }
            try append(Array(expected[lines.count...]))
            return (expected.count - lines.count, false)
        }
        let ours = Set(expected.map { $0.hashValue })
        for (i, line) in (lines + (partial.isEmpty ? [] : [partial])).enumerated() {
            let isOurs = ours.contains(String(decoding: line, as: UTF8.self).hashValue)
                || (i == lines.count && expected.contains { $0.utf8.starts(with: line) })
            guard isOurs else {
                throw StoreError("\(path): line \(i + 1) was not written by the output store \(store); "
                                 + "Sigil does not rewrite a file it did not write: move it away or choose another outputs.jsonl")
            }
        }
        try rewrite(expected)
        return (expected.count, true)
    }

    /// Replaces the file's contents with `lines`: written beside it, flushed, renamed over it.
    func rewrite(_ lines: [String]) throws(StoreError) {
        let tmp = path + ".rewrite"
        let out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard out >= 0 else { throw StoreError("\(tmp): cannot create: \(Self.errnoText())") }
        defer { close(out) }
        let tmpFile = JSONLFile(adopting: out, path: tmp)
        try tmpFile.writeAll(Array(lines.map { $0 + "\n" }.joined().utf8))
        try tmpFile.sync()
        guard rename(tmp, path) == 0 else { throw StoreError("\(path): cannot replace with the rewritten file: \(Self.errnoText())") }
        // This descriptor still names the replaced file: point it at the new one.
        let fresh = open(path, O_RDWR | O_CLOEXEC)
        guard fresh >= 0, dup2(fresh, fd) >= 0 else { throw StoreError("\(path): cannot reopen: \(Self.errnoText())") }
        close(fresh)
    }

    private init(adopting fd: Int32, path: String) {
        self.fd = dup(fd)
        self.path = path
    }
}
