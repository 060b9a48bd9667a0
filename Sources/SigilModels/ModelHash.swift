import Crypto
public import SigilCore

/// SHA-256 of a model file's bytes, the hash the ModelRegistry records (anyone can check it
/// with `sha256sum`). Computed before any byte of the file is parsed.
public enum ModelHash {
    /// The largest model file Sigil loads (hashing has no limit: it streams).
    public static let maxModelBytes = 4 << 30

    /// Streams the file at `path` through SHA-256 in 1 MiB reads, holding no more than that.
    /// Only a regular file is read: a FIFO, a device (/dev/zero) or a directory is refused at
    /// once rather than read without end.
    public static func sha256(fileAt path: String) throws(ModelError) -> Hash32 {
        let file: InputFile
        do { file = try InputFile(path, what: "model file") } catch { throw ModelError(error.description) }
        var hasher = SHA256()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
        defer { buffer.deallocate() }
        while true {
            let n: Int
            do { n = try file.read(into: buffer) } catch { throw ModelError(error.description) }
            if n == 0 { break }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[..<n]))
        }
        return Hash32(bytes: Array(hasher.finalize()))!
    }

    /// SHA-256 of bytes in memory.
    public static func sha256(_ bytes: [UInt8]) -> Hash32 { Hash32(bytes: Array(SHA256.hash(data: bytes)))! }
}
