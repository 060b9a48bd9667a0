import Foundation
import SigilCore
import Synchronization

/// Seeded mutation fuzzing for the input surfaces: valid inputs mutated (bit flips, bytes
/// set to JSON/YAML/hex specials, insertions, deletions, duplications, truncation, splices
/// between inputs, dictionary tokens), each case handed to the surface, which must answer with a
/// value or a typed error: no trap (the test process would die), no hang (a watchdog ends the
/// process, naming the surface, case and seed, when one case runs past `caseDeadline`; the
/// slowest case is reported, not bounded, since how slow depends on the machine).
///
/// `SIGIL_FUZZ_CASES` sets the cases per surface (the suite's default otherwise), and
/// `SIGIL_FUZZ_SEED` the seed; a run prints both with its outcome, so any case can be replayed.
public struct Fuzz {
    public struct Report: CustomStringConvertible, Sendable {
        public var surface: String
        public var cases = 0
        public var seed: UInt64
        public var accepted = 0
        public var refused = 0
        public var slowest: Duration = .zero
        public var description: String {
            "fuzz \(surface): \(cases) cases, seed \(seed), \(accepted) accepted, \(refused) refused with a typed error, slowest \(slowest)"
        }
    }

    /// The cases per surface: `SIGIL_FUZZ_CASES`, or `default`.
    public static func cases(default n: Int) -> Int {
        ProcessInfo.processInfo.environment["SIGIL_FUZZ_CASES"].flatMap { Int($0) } ?? n
    }

    public static var seed: UInt64 { ProcessInfo.processInfo.environment["SIGIL_FUZZ_SEED"].flatMap { UInt64($0) } ?? 1 }

    /// How long one case may run before it is called a hang: `SIGIL_FUZZ_CASE_DEADLINE` seconds,
    /// or ten minutes. A case takes microseconds to milliseconds; the rest is a margin for a task
    /// that waits for one of the few cooperative threads while other suites hold them (seen: over
    /// two minutes, with three suites sharing two cores). It only turns a hang into a failure.
    public static var caseDeadline: Duration {
        .seconds(ProcessInfo.processInfo.environment["SIGIL_FUZZ_CASE_DEADLINE"].flatMap { Double($0) } ?? 600)
    }

    /// Mutates inputs from `corpus` `cases` times; `body` returns true when the input was
    /// accepted and throws (any typed error) when refused.
    public static func run(_ surface: String, corpus: [[UInt8]], cases: Int, dictionary: [String] = [],
                           body: ([UInt8]) async throws -> Bool) async -> Report {
        var report = Report(surface: surface, seed: seed)
        var m = Mutator(seed: seed, dictionary: dictionary.map { Array($0.utf8) })
        let watchdog = Watchdog(surface: surface, seed: seed, deadline: caseDeadline)
        defer { watchdog.stop() }
        for i in 0..<cases {
            let base = corpus[i % corpus.count]
            let input = m.mutate(base, other: corpus[Int(m.next() % UInt64(corpus.count))])
            let start = ContinuousClock.now
            watchdog.begin(case: i, at: start)
            do {
                if try await body(input) { report.accepted += 1 } else { report.refused += 1 }
            } catch {
                report.refused += 1
            }
            watchdog.end()  // the yield below waits for a thread, not for the case
            report.slowest = max(report.slowest, ContinuousClock.now - start)
            report.cases += 1
            if i % 256 == 255 { await Task.yield() }
        }
        print(report)
        return report
    }
}

/// The mutation engine (deterministic for a seed).
public struct Mutator {
    var rng: SplitMix64
    let dictionary: [[UInt8]]
    static let specials: [UInt8] = Array("\"{}[],:0x9f-.e\\ \n\t".utf8) + [0, 0x7f, 0x80, 0xc3, 0xff, 0x1b]

    public init(seed: UInt64, dictionary: [[UInt8]] = []) {
        rng = SplitMix64(seed: seed)
        self.dictionary = dictionary + ["0xffffffffffffffff", "0xfffffff", "0x", "null", "true", "1e309", "-1", "18446744073709551616",
                                        "\"\"", "[]", "{}", "0x" + String(repeating: "0", count: 70)].map { Array($0.utf8) }
    }

    public mutating func next() -> UInt64 { rng.next() }

    mutating func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(next() % UInt64(n)) }

    /// One to four stacked mutations of `input` (`other` for splices).
    public mutating func mutate(_ input: [UInt8], other: [UInt8]) -> [UInt8] {
        var b = input
        for _ in 0...below(4) {
            let at = below(b.count + 1)
            switch below(10) {
            case 0: if !b.isEmpty { b[min(at, b.count - 1)] ^= UInt8(1) << UInt8(below(8)) }
            case 1: if !b.isEmpty { b[min(at, b.count - 1)] = Self.specials[below(Self.specials.count)] }
            case 2: b.insert(UInt8(truncatingIfNeeded: next()), at: at)
            case 3: b.removeSubrange(at..<min(b.count, at + 1 + below(16)))
            case 4:
                let len = below(min(64, b.count - at) + 1)
                b.insert(contentsOf: b[at..<(at + len)], at: at)
            case 5: b.removeSubrange(at...)
            case 6:
                let from = below(other.count + 1)
                b.replaceSubrange(at..., with: other[from...])
            case 7: b.insert(contentsOf: dictionary[below(dictionary.count)], at: at)
            case 8:
                // Overwrite a run of digits (the numbers and hex fields that matter most).
                if let i = b[at...].firstIndex(where: { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) {
                    let tok = dictionary[below(dictionary.count)]
                    b.replaceSubrange(i..<min(b.count, i + tok.count), with: tok)
                }
            default:
                if !b.isEmpty { b[min(at, b.count - 1)] = UInt8(truncatingIfNeeded: next()) }
            }
        }
        return b
    }
}

/// Watches one fuzz run from its own thread: a case that runs past the deadline (a synchronous
/// surface stuck in a loop cannot be cancelled) ends the test process with the case and seed.
final class Watchdog: Sendable {
    private let state = Mutex<(running: Bool, index: Int, since: ContinuousClock.Instant)>((true, -1, .now))

    init(surface: String, seed: UInt64, deadline: Duration) {
        let thread = Thread { [self] in
            while true {
                // Woken by stop(), or every quarter second to look at the running case's age.
                if self.stopped.wait(timeout: .now() + 0.25) == .success { return }
                let s = self.state.withLock { $0 }
                guard s.running else { return }
                if s.index >= 0, ContinuousClock.now - s.since > deadline {
                    FileHandle.standardError.write(Data("fuzz \(surface): case \(s.index) of seed \(seed) still running after \(deadline): a hang (replay with SIGIL_FUZZ_SEED=\(seed))\n".utf8))
                    fatalError("fuzz \(surface): case \(s.index) hangs")
                }
            }
        }
        thread.start()
    }

    func begin(case i: Int, at start: ContinuousClock.Instant) { state.withLock { $0.index = i; $0.since = start } }

    func end() { state.withLock { $0.index = -1 } }

    func stop() {
        state.withLock { $0.running = false }
        stopped.signal()
    }
    private let stopped = DispatchSemaphore(value: 0)
}
