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
