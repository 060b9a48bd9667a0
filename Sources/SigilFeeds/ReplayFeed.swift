import Foundation
public import Logging
public import SigilChain
import SigilCore
public import Yams

/// `kind: replay`: a recording of frames (see `Recording`), played to its end.
public enum ReplayFeed: FeedKind {
    public static let kind = "replay"
    public static let summary = "a recording of node frames (JSONL, optionally gzip), played to its end"
    public static let keys = ["name", "kind", "path", "chain_id"]

    public struct Settings: FeedSettings, Hashable {
        public var name: String
        /// The recording.
        public var path: String
        /// nil: read it from manifest.json beside the recording.
        public var chainId: UInt64?

        public init(name: String, path: String, chainId: UInt64? = nil) {
            self.name = name
            self.path = path
            self.chainId = chainId
        }

        public var effectiveYAML: [String] { ["path: \(path)", "chain_id: \(chainId.map(String.init) ?? "from manifest.json")"] }

        public func makeLiveFeed(logger: Logger, eventKinds: Set<String>) -> (any LiveFeed)? { nil }

        /// The chain id: configured, or from manifest.json beside the recording.
        public func resolvedChainId() throws(FeedError) -> UInt64 {
            if let chainId { return chainId }
            guard let id = RecordingManifest.beside(path)?.chainId else {
                throw FeedError(description: "feed \(name): no chain_id configured and no manifest.json with a chainId beside \(path)")
            }
            return id
        }
    }

    public static func settings(name: String, _ m: [String: Node], node: Node, context: FeedConfigContext) throws(ConfigError) -> any FeedSettings {
        guard let p = m["path"] else { throw context.reader.fail(node, "a replay feed needs a 'path' to a recording") }
        let file = try context.path(p, "recording", mustExist: true)
        do throws(FeedError) { _ = try Recording(path: file) } catch { throw context.reader.fail(p, error.description) }
        return Settings(name: name, path: file, chainId: try context.chainId(m["chain_id"]))
    }
}

extension ReplayFeed {
    /// A recording played the way a chain feed plays a node: each block's logs as one
    /// `.events` item, a `.blockClosed` when the next head arrives (head N closes N − 1), a
    /// `.rewind` when the chain goes back (logs marked `removed`, or a head at or below the last
    /// one). Whoever handles the items (the runtime's runner) does not know it is a replay.
    public struct Source {
        /// What a pass over the recording read.
        public struct Pass: Sendable {
            public var frames = 0
            /// Frames that did not decode, by reason.
            public var rejected: [FrameError.Reason: Int] = [:]
            /// Logs marked `removed` (each part of a rewind).
            public var removedLogs = 0
            /// True when `shouldStop` ended the pass before the recording did.
            public var stoppedEarly = false
        }

        public let settings: Settings

        public init(settings: Settings) { self.settings = settings }

        /// Plays the recording to its end, handing every item to `handle` in order, with the
        /// number of frames read so far. `shouldStop`
        /// is polled every 256 frames. A recording that breaks off (truncated, corrupt) throws
        /// after the items of the frames before the fault were handled; an error from `handle`
        /// is rethrown as it is.
        public func play(shouldStop: () -> Bool = { false }, handle: (_ item: FeedItem, _ frames: Int) throws -> Void) throws -> Pass {
            let chainId = try settings.resolvedChainId()
            let decoder = FrameDecoder(chainId: chainId)
            let recording = try Recording(path: settings.path)
            let feed = settings.name
            var pass = Pass()
            var pending: [FeedEvent] = []
            var rewindTo: UInt64?
            var lastHead: BlockHead?
            var handlerError: (any Error)?
            func deliver(_ item: FeedItem) throws {
                do { try handle(item, pass.frames) } catch {
                    handlerError = error
                    throw error
                }
            }
            func flush() throws {
                if let to = rewindTo {
                    rewindTo = nil
                    try deliver(.rewind(feed: feed, chainId: chainId, toBlock: to))
                }
                guard !pending.isEmpty else { return }
                let events = pending
                pending.removeAll(keepingCapacity: true)
                try deliver(.events(feed: feed, events))
            }
            let read: Recording.Pass
            do {
                read = try recording.forEachFrame { frame in
                    guard !pass.stoppedEarly else { return }
                    if pass.frames % 256 == 0, shouldStop() {
                        pass.stoppedEarly = true
                        return
                    }
                    pass.frames += 1
                    let decoded: (FrameDecoder.Decoded, EthLog?)
                    do throws(FrameError) { decoded = try decoder.decodeKeepingLog(frame) } catch {
                        pass.rejected[error.reason, default: 0] += 1
                        return
                    }
                    switch decoded {
                    case (.event(let e, _), _) where e.removed:
                        // The chain dropped this log's block: everything above its parent goes.
                        pass.removedLogs += 1
                        if !pending.isEmpty { try flush() }
                        let parent = e.id.blockNumber.subtractingSaturated(1)
                        rewindTo = min(rewindTo ?? parent, parent)
                    case (.event(let e, _), let log?):
                        if rewindTo != nil || pending.first.map({ $0.event.id.blockNumber != e.id.blockNumber }) == true { try flush() }
                        pending.append(FeedEvent(event: e, log: log))
                    case (.head(let h, _), _):
                        try flush()
                        if let last = lastHead, h.number <= last.number {
                            // A head at or below the last one: the chain moved to another branch.
                            try deliver(.rewind(feed: feed, chainId: chainId, toBlock: h.number.subtractingSaturated(1)))
                        }
                        lastHead = h
                        if h.number > 0 { try deliver(.blockClosed(feed: feed, chainId: chainId, number: h.number - 1, hash: h.parentHash)) }
                    default:
                        break
                    }
                }
            } catch {
                // What was read before the fault is handed over, then the fault is reported.
                if handlerError == nil { try flush() }
                throw error
            }
            try flush()
            if read.oversize > 0 {
                pass.frames += read.oversize
                pass.rejected[.oversize, default: 0] += read.oversize
            }
            return pass
        }
    }
}
