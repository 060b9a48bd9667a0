public import SigilCore

/// Turns one websocket frame (an `eth_subscription` notification) into owned values:
/// a decoded Uniswap `MarketEvent`, a block header, or a log of some other event.
public struct FrameDecoder: Sendable {
    public let chainId: UInt64

    public init(chainId: UInt64) { self.chainId = chainId }

    public enum Decoded: Hashable, Sendable {
        case event(MarketEvent, subscription: Hash32)
        case head(BlockHead, subscription: Hash32)
        /// A well-formed log whose first topic is not a Uniswap event.
        case otherLog(EthLog, subscription: Hash32)
    }

    public func decode(_ frame: UnsafeRawBufferPointer) throws(FrameError) -> Decoded {
        switch try NotificationScanner.scan(frame) {
        case .head(let sub, let head):
            return .head(head, subscription: sub)
        case .log(let sub, let log):
            do throws(ChainError) {
                if let event = try UniswapEvents.decode(log, chainId: chainId) {
                    return .event(event, subscription: sub)
                }
                return .otherLog(log.owned, subscription: sub)
            } catch {
                throw FrameError(.abiMismatch, error.description)
            }
        }
    }

    /// Like `decode`, and for a Uniswap event also an owned copy of its log (what an event
    /// journal stores, so that the event can be decoded again after a restart).
    public func decodeKeepingLog(_ frame: String) throws(FrameError) -> (Decoded, EthLog?) {
        var text = frame
        return try text.withUTF8 { buf in
            Result { () throws(FrameError) -> (Decoded, EthLog?) in try decodeKeepingLog(UnsafeRawBufferPointer(buf)) }
        }.get()
    }

    /// `decodeKeepingLog` on a frame's bytes.
    public func decodeKeepingLog(_ raw: UnsafeRawBufferPointer) throws(FrameError) -> (Decoded, EthLog?) {
        if case .log(let sub, let log) = try NotificationScanner.scan(raw) {
            do throws(ChainError) {
                if let event = try UniswapEvents.decode(log, chainId: chainId) {
                    return (.event(event, subscription: sub), log.owned)
                }
                return (.otherLog(log.owned, subscription: sub), nil)
            } catch {
                throw FrameError(.abiMismatch, error.description)
            }
        }
        return (try decode(raw), nil)
    }

    public func decode(_ frame: String) throws(FrameError) -> Decoded {
        var text = frame
        return try text.withUTF8 { buf in decodeResult(UnsafeRawBufferPointer(buf)) }.get()
    }

    public func decode(_ frame: [UInt8]) throws(FrameError) -> Decoded {
        try frame.withUnsafeBytes { buf in decodeResult(buf) }.get()
    }

    func decodeResult(_ buf: UnsafeRawBufferPointer) -> Result<Decoded, FrameError> {
        Result { () throws(FrameError) -> Decoded in try decode(buf) }
    }
}

extension FrameDecoder {
    /// The id `eth_subscribe` returned, in the form the scanner reports notifications under
    /// (the hex number left-padded to 32 bytes), or nil when it is not 0x-hex of at most 32 bytes.
    public static func subscriptionID(_ text: String) -> Hash32? {
        guard text.hasPrefix("0x") else { return nil }
        let digits = text.dropFirst(2)
        guard !digits.isEmpty, digits.count <= 64 else { return nil }
        return Hash32(hex: "0x" + String(repeating: "0", count: 64 - digits.count) + digits)
    }
}
