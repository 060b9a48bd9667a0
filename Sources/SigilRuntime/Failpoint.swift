import Foundation

/// Crash points for the crash tests, read once from the environment. With
/// `SIGIL_FAILPOINT=kill-after-items:N` a replay sends its own process SIGKILL right after the
/// N-th item it handled (mid-batch, as a power cut would), so a test kills at a point of the
/// work rather than at a time that a fast machine is already past. Unset: one comparison per item.
enum Failpoint {
    static let killAfterItems: Int? = {
        guard let spec = ProcessInfo.processInfo.environment["SIGIL_FAILPOINT"] else { return nil }
        let prefix = "kill-after-items:"
        guard spec.hasPrefix(prefix), let n = Int(spec.dropFirst(prefix.count)), n > 0 else {
            FileHandle.standardError.write(Data("SIGIL_FAILPOINT=\(spec): not understood (kill-after-items:N, N > 0); ignored\n".utf8))
            return nil
        }
        return n
    }()

    /// Called after each replayed item with how many this process has handled.
    static func replayed(_ items: Int) {
        if items == killAfterItems { kill(getpid(), SIGKILL) }
    }
}
