import Foundation

/// Fault and pace points for the tests, read once from `SIGIL_FAILPOINT` (comma-separated):
/// - `kill-after-items:N`: the process sends itself SIGKILL right after the N-th feed item its
///   runner handled (mid-batch, as a power cut would), so a test kills at a point of the work
///   rather than at a time a fast machine is already past;
/// - `delay-per-item-ms:N`: the runner sleeps N ms after each item, so the suites can be run
///   against a bot made artificially slow (and against the release build for a fast one).
/// Unset: one comparison per item.
enum Failpoint {
    struct Settings {
        var killAfterItems: Int?
        var delayPerItem: UInt32?  // microseconds
    }

    static let settings: Settings = {
        var s = Settings()
        guard let spec = ProcessInfo.processInfo.environment["SIGIL_FAILPOINT"], !spec.isEmpty else { return s }
        for part in spec.split(separator: ",") {
            let kv = part.split(separator: ":", maxSplits: 1).map(String.init)
            switch (kv.first, kv.count == 2 ? Int(kv[1]) : nil) {
            case ("kill-after-items", let n?) where n > 0: s.killAfterItems = n
            case ("delay-per-item-ms", let n?) where n > 0 && n <= 10_000: s.delayPerItem = UInt32(n) * 1_000
            default:
                FileHandle.standardError.write(Data("SIGIL_FAILPOINT: \(part) not understood (kill-after-items:N, delay-per-item-ms:N up to 10000); ignored\n".utf8))
            }
        }
        return s
    }()

    /// Called by the runner after each item with how many this process has handled.
    static func handled(_ items: Int) {
        let s = settings
        if let us = s.delayPerItem { usleep(us) }
        if items == s.killAfterItems { kill(getpid(), SIGKILL) }
    }
}
