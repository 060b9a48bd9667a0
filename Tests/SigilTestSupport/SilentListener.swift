import Foundation

#if canImport(Glibc)
import Glibc
#endif

import Synchronization

/// A TCP listener that completes the TCP handshake (the kernel does) and never answers. With
/// `accepting`, it also accepts each connection and holds it open, unanswered, until the client
/// closes it, counting how many were open at once (`mostOpen`): how concurrent a client is,
/// measured by state rather than by how long it took.
public final class SilentListener: @unchecked Sendable {
    let fd: Int32
    public let port: Int
    private final class Counts: Sendable {
        let state = Mutex<(open: Int, most: Int, accepted: Int)>((0, 0, 0))
        func withLock<T>(_ body: (inout (open: Int, most: Int, accepted: Int)) -> T) -> T { state.withLock { body(&$0) } }
    }
    private let counts = Counts()

    /// The most connections that were open at the same time.
    public var mostOpen: Int { counts.withLock { $0.most } }
    /// Connections accepted so far.
    public var accepted: Int { counts.withLock { $0.accepted } }

    public convenience init(accepting: Bool) throws {
        try self.init()
        guard accepting else { return }
        let listener = fd
        let counts = self.counts
        Thread {
            while true {
                let c = accept(listener, nil, nil)
                guard c >= 0 else { return }  // the listener was shut down
                counts.withLock { $0.open += 1; $0.accepted += 1; $0.most = max($0.most, $0.open) }
                Thread {
                    var buffer = [UInt8](repeating: 0, count: 4096)
                    while read(c, &buffer, buffer.count) > 0 {}
                    close(c)
                    counts.withLock { $0.open -= 1 }
                }.start()
            }
        }.start()
    }

    public init() throws {
        let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0, listen(s, 64) == 0 else {
            close(s)
            throw POSIXError(.EADDRINUSE)
        }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(s, $0, &len) } }
        fd = s
        port = Int(UInt16(bigEndian: addr.sin_port))
    }

    deinit {
        shutdown(fd, Int32(SHUT_RDWR))  // wakes an accepting thread
        close(fd)
    }
}
