import Foundation
import Glibc

/// Checks on where outputs go, shared by `config check` and the store itself, so the check
/// refuses what the run would refuse: two outputs on one file, a path that cannot be created.
public enum OutputPaths {
    /// The SQLite file's companions that no other output may be.
    static let companions = ["", "-wal", "-shm", "-journal", ".lock"]

    /// Refuses a JSONL path that is the database or one of its companion files (also through a
    /// link or another spelling of the same path).
    public static func check(sqlite: String, jsonl: String) throws(StoreError) {
        let j = canonical(jsonl)
        for suffix in companions where canonical(sqlite + suffix) == j || sameFile(sqlite + suffix, jsonl) {
            let what = suffix.isEmpty ? "the sqlite output" : "the sqlite output's \(suffix) file"
            throw StoreError("outputs: jsonl \(jsonl) is \(what) (\(sqlite + suffix)); each output needs a file of its own")
        }
    }

    /// The path made absolute, `.`/`..` resolved, and symbolic links followed where it exists.
    static func canonical(_ path: String) -> String {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        return url.resolvingSymlinksInPath().path
    }

    static func sameFile(_ a: String, _ b: String) -> Bool {
        var sa = stat(), sb = stat()
        guard stat(a, &sa) == 0, stat(b, &sb) == 0 else { return false }
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino
    }

    /// Creates the directories above `path`; the error names the path and the reason.
    public static func createParent(of path: String, what: String) throws(StoreError) {
        let dir = (path as NSString).deletingLastPathComponent
        guard !dir.isEmpty else { return }
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: dir, isDirectory: &isDir) {
            guard isDir.boolValue else { throw StoreError("\(what) \(path): \(dir) is not a directory") }
            return
        }
        if let blocker = blockingAncestor(of: dir) { throw StoreError("\(what) \(path): \(blocker)") }
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            throw StoreError("\(what) \(path): cannot create the directory \(dir): \(reason(of: error))")
        }
    }

    /// Why an output at `path` could not be created or written, or nil when it can be: the file
    /// is a directory or not writable, or the nearest existing directory above it is not writable.
    public static func problem(writing path: String) -> String? {
        var st = stat()
        if stat(path, &st) == 0 {
            let kind = st.st_mode & S_IFMT
            if kind == S_IFDIR { return "is a directory" }
            if kind != S_IFREG { return "is not a regular file" }
            if access(path, W_OK) != 0 { return "is not writable: \(String(cString: strerror(errno)))" }
            return nil
        }
        return blockingAncestor(of: (path as NSString).deletingLastPathComponent)
    }

    /// The nearest existing ancestor of `dir` (itself included): why nothing can be created in
    /// it, or nil when something can.
    static func blockingAncestor(of dir: String) -> String? {
        var d = dir.isEmpty ? "." : dir
        while true {
            var st = stat()
            if stat(d, &st) == 0 {
                guard st.st_mode & S_IFMT == S_IFDIR else { return "\(d) is not a directory" }
                guard access(d, W_OK | X_OK) == 0 else { return "the directory \(d) is not writable: \(String(cString: strerror(errno)))" }
                return nil
            }
            if errno != ENOENT { return "\(d): \(String(cString: strerror(errno)))" }
            let parent = (d as NSString).deletingLastPathComponent
            if parent == d || parent.isEmpty { return nil }
            d = parent
        }
    }

    static func reason(of error: any Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return ns.localizedDescription
    }
}
