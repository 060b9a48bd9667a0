import Foundation
import Glibc

/// The exclusive lock of one output store: `<sqlite>.lock`, held with `flock` for as long as the
/// store is open (the kernel releases it when the process ends, `kill -9` included). A second
/// process is refused before it writes a byte, with the holder's PID.
final class OutputLock {
    let path: String
    let fd: Int32

    init(sqlitePath: String) throws(StoreError) {
        path = sqlitePath + ".lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StoreError("\(path): cannot create the output store's lock file: \(String(cString: strerror(errno)))") }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let busy = errno == EWOULDBLOCK
            let why = String(cString: strerror(errno))
            var buf = [UInt8](repeating: 0, count: 32)
            let n = pread(fd, &buf, buf.count, 0)
            close(fd)
            let holder = n > 0 ? String(decoding: buf[..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : ""
            guard busy else { throw StoreError("\(path): cannot lock the output store: \(why)") }
            let pid = holder.allSatisfy(\.isNumber) && !holder.isEmpty ? "process \(holder)" : "another process"
            throw StoreError("the output store \(sqlitePath) is in use by \(pid) (lock \(path)); one process owns a store: stop it, or point outputs elsewhere")
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pwrite(fd, pid, pid.count, 0)
        self.fd = fd
    }

    func release() {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
