public import Foundation
import Synchronization

/// The project's Python peers and oracles (in the pinned .venv that `make test` builds).
/// A test that needs one runs it and fails loudly when it cannot.
public enum Peers {
    public static let root: String = {
        if let r = ProcessInfo.processInfo.environment["SIGIL_ROOT"] { return r }
        // Tests/SigilTestSupport/Peers.swift → the package root
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }()

    public static let python: String = ProcessInfo.processInfo.environment["SIGIL_PYTHON"] ?? root + "/.venv/bin/python"

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    /// True in the hermetic lane (`make test-unit` sets `SIGIL_NO_PEERS=1`): no Python, no
    /// devnet, no `sigil` binary. A test there that reaches for one fails, naming what it wanted,
    /// so a suite that needs a peer cannot slip into the quick lane unnoticed.
    public static let hermetic = ProcessInfo.processInfo.environment["SIGIL_NO_PEERS"] == "1"

    static func refuseInHermeticLane(_ what: String) throws {
        guard hermetic else { return }
        throw Failure(description: "\(what) is a peer, and this is the hermetic lane (SIGIL_NO_PEERS=1, make test-unit): "
                      + "list the suite in tools/peer-suites.txt so that only make test runs it")
    }

    public static func environment() -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["PYTHONPATH"] = root + "/tools"
        return env
    }

    /// Runs a program to its end on a thread of its own (a blocking wait on one of Swift
    /// concurrency's few cooperative threads would stall every other test) and returns its
    /// exit status, stdout and stderr.
    public static func execute(_ executable: String, _ args: [String], environment: [String: String]? = nil) async throws
        -> (status: Int32, out: Data, err: Data) {
        try refuseInHermeticLane(executable)
        return try await withCheckedThrowingContinuation { c in
            Thread.detachNewThread {
                let p = Process()
                p.executableURL = URL(fileURLWithPath: executable)
                p.arguments = args
                if let environment { p.environment = environment }
                let out = Pipe(), err = Pipe()
                p.standardOutput = out
                p.standardError = err
                do {
                    try p.run()
                } catch {
                    c.resume(throwing: error)
                    return
                }
                // Drain stderr beside stdout, so that neither pipe fills up and blocks the child.
                let errData = Mutex(Data())
                let errDone = DispatchSemaphore(value: 0)
                Thread.detachNewThread {
                    let d = err.fileHandleForReading.readDataToEndOfFile()
                    errData.withLock { $0 = d }
                    errDone.signal()
                }
                let o = out.fileHandleForReading.readDataToEndOfFile()
                errDone.wait()
                p.waitUntilExit()
                c.resume(returning: (p.terminationStatus, o, errData.withLock { $0 }))
            }
        }
    }

    /// Runs `python -m sigiltools.<module> args…` and returns its stdout.
    public static func run(_ module: String, _ args: [String]) async throws -> Data {
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw Failure(description: "no Python peer environment at \(python): run `make setup` (or `make test`)")
        }
        let r = try await execute(python, ["-m", "sigiltools.\(module)"] + args, environment: environment())
        guard r.status == 0 else {
            throw Failure(description: "sigiltools.\(module) \(args) failed: \(String(decoding: r.err.suffix(2000), as: UTF8.self))")
        }
        return r.out
    }

    /// Runs `sigil` (the debug build `swift build --build-tests` made) and returns its exit
    /// status, stdout and stderr.
    public static func sigil(_ args: [String]) async throws -> (status: Int32, out: String, err: String) {
        let binary = root + "/.build/debug/sigil"
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw Failure(description: "no sigil binary at \(binary): run `swift build --build-tests`")
        }
        let r = try await execute(binary, args)
        return (r.status, String(decoding: r.out, as: UTF8.self), String(decoding: r.err, as: UTF8.self))
    }

    /// Runs an oracle and parses its JSON lines.
    public static func oracle(_ args: [String]) async throws -> [[String: Any]] {
        let data = try await run("oracles", args)
        return try String(decoding: data, as: UTF8.self).split(separator: "\n").map { line in
            guard let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw Failure(description: "oracle line is not an object: \(line.prefix(200))")
            }
            return obj
        }
    }
}

/// A Python peer server (`python -m sigiltools.<module>`) that prints one ready line of
/// `key=value` fields when it listens; stopped when released.
public final class PeerProcess {
    let process = Process()
    /// The ready line's `key=value` fields.
    public let fields: [String: String]

    public init(module: String, args: [String], readyPrefix: String) async throws {
        try Peers.refuseInHermeticLane("sigiltools.\(module)")
        guard FileManager.default.isExecutableFile(atPath: Peers.python) else {
            throw Peers.Failure(description: "no Python peer environment at \(Peers.python): run `make setup`")
        }
        process.executableURL = URL(fileURLWithPath: Peers.python)
        process.arguments = ["-m", "sigiltools.\(module)"] + args
        process.environment = Peers.environment()
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.standardError
        try process.run()
        let handle = out.fileHandleForReading
        let text = await withCheckedContinuation { (c: CheckedContinuation<String, Never>) in
            Thread.detachNewThread {
                var line = Data()
                while true {
                    let byte = handle.readData(ofLength: 1)
                    if byte.isEmpty || byte.first == 0x0a { break }
                    line.append(byte)
                }
                c.resume(returning: String(decoding: line, as: UTF8.self))
            }
        }
        var fields: [String: String] = [:]
        for part in text.split(separator: " ") {
            let kv = part.split(separator: "=", maxSplits: 1)
            if kv.count == 2 { fields[String(kv[0])] = String(kv[1]) }
        }
        guard text.hasPrefix(readyPrefix) else {
            process.terminate()
            throw Peers.Failure(description: "sigiltools.\(module) did not start: \(text)")
        }
        self.fields = fields
    }

    public func field(_ key: String) throws -> String {
        guard let v = fields[key] else { throw Peers.Failure(description: "the ready line has no \(key)=") }
        return v
    }

    deinit {
        guard process.isRunning else { return }
        process.terminate()
        // Wait for the exit itself; a peer that ignores SIGTERM for five seconds gets SIGKILL.
        let exited = DispatchSemaphore(value: 0)
        let p = process
        Thread.detachNewThread { p.waitUntilExit(); exited.signal() }
        if exited.wait(timeout: .now() + 5) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
            exited.wait()
        }
    }
}

/// A devnet process on free ports, for one test.
public final class DevnetProcess {
    let peer: PeerProcess
    public let httpURL: String
    public let wsURL: String
    public let chainId: UInt64

    public init(seed: Int = 5) async throws {
        peer = try await PeerProcess(module: "devnet", args: ["--http-port", "0", "--ws-port", "0", "--seed", "\(seed)"], readyPrefix: "devnet ready")
        httpURL = try peer.field("http")
        wsURL = try peer.field("ws")
        guard let c = UInt64(try peer.field("chainId")) else { throw Peers.Failure(description: "devnet chainId is not a number") }
        chainId = c
    }

    /// Runs the devnet traffic driver against this node and returns its JSON answer.
    public func drive(_ args: [String]) async throws -> [String: Any] {
        let data = try await Peers.run("drive", ["--rpc", httpURL] + args)
        guard let obj = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw Peers.Failure(description: "driver output is not an object")
        }
        return obj
    }
}

/// The project's Hyperliquid-protocol server (`sigiltools.hyperliquid`) on free ports.
public final class HyperliquidProcess {
    let peer: PeerProcess
    public let wsURL: String
    public let controlURL: String

    public init(coins: [String] = ["BTC", "ETH"], rate: Double = 40, snapshot: Int = 5) async throws {
        peer = try await PeerProcess(module: "hyperliquid", args: ["--ws-port", "0", "--control-port", "0", "--coins", coins.joined(separator: ","),
                                                              "--rate", "\(rate)", "--snapshot", "\(snapshot)"],
                               readyPrefix: "hyperliquid ready")
        wsURL = try peer.field("ws")
        controlURL = try peer.field("control")
    }

    /// Sends a control request (`drop`, `pause`, `resume`, `trades`, `inject`) and returns the answer's result.
    public func control(_ request: [String: Any]) async throws -> Any {
        let body = try JSONSerialization.data(withJSONObject: request)
        let data = try await Peers.run("hyperliquid_control", [controlURL, String(decoding: body, as: UTF8.self)])
        guard let obj = try JSONSerialization.jsonObject(with: data) as? [String: Any], let result = obj["result"] else {
            throw Peers.Failure(description: "control \(request) failed: \(String(decoding: data, as: UTF8.self))")
        }
        return result
    }
}
