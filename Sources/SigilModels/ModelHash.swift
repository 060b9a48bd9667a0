import Crypto
import Foundation
public import SigilCore

/// SHA-256 of a model file's bytes, the hash the ModelRegistry records (anyone can check it
/// with `sha256sum`). Computed before any byte of the file is parsed.
public enum ModelHash {
    /// Hashes the file at `path` in 1 MiB reads.
    public static func sha256(fileAt path: String) throws(ModelError) -> Hash32 {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw ModelError("\(path): cannot open") }
        defer { try? handle.close() }
        var hasher = SHA256()
        while true {
            let chunk: Data
            do {
                chunk = try handle.read(upToCount: 1 << 20) ?? Data()
            } catch {
                throw ModelError("\(path): read failed: \(error)")
            }
            if chunk.isEmpty { break }
            hasher.update(data: chunk)
        }
        return Hash32(bytes: Array(hasher.finalize()))!
    }

    /// SHA-256 of bytes in memory.
    public static func sha256(_ bytes: [UInt8]) -> Hash32 { Hash32(bytes: Array(SHA256.hash(data: bytes)))! }
}
