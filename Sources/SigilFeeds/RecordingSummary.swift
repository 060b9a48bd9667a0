public import SigilChain
public import SigilCore

/// What a recording holds: frames by outcome, events by kind and by emitter, block range,
/// and the last reserves of every V2 pair. Used by `sigil inspect-replay`.
public struct RecordingSummary: Sendable {
    public var frames = 0
    public var heads = 0
    public var events = 0
    public var retractions = 0
    public var otherLogs = 0
    public var rejected: [FrameError.Reason: Int] = [:]
    public var byKind: [String: Int] = [:]
    public var byEmitter: [Address: Int] = [:]
    public var firstBlock: UInt64?
    public var lastBlock: UInt64?
    public var reserves: [Address: (UInt256, UInt256)] = [:]

    public init() {}

    /// Decodes every frame of `recording` with `decoder` and tallies it.
    public init(recording: Recording, decoder: FrameDecoder) throws {
        self.init()
        let pass = try recording.forEachFrame { frame in add(Result { () throws(FrameError) in try decoder.decode(frame) }) }
        if pass.oversize > 0 {
            frames += pass.oversize
            rejected[.oversize, default: 0] += pass.oversize
        }
    }

    public mutating func add(_ outcome: Result<FrameDecoder.Decoded, FrameError>) {
        frames += 1
        switch outcome {
        case .failure(let e):
            rejected[e.reason, default: 0] += 1
        case .success(.head(let head, _)):
            heads += 1
            firstBlock = min(firstBlock ?? head.number, head.number)
            lastBlock = max(lastBlock ?? head.number, head.number)
        case .success(.otherLog):
            otherLogs += 1
        case .success(.event(let e, _)):
            if e.removed { retractions += 1 } else { events += 1 }
            byKind[e.payload.kind, default: 0] += 1
            byEmitter[e.emitter, default: 0] += 1
            if case .v2Sync(let r0, let r1) = e.payload, !e.removed { reserves[e.emitter] = (r0, r1) }
        }
    }
}
