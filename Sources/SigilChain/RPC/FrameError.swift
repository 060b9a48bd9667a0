/// Why a websocket frame was rejected. `reason` is stable and countable; `detail` says where.
public struct FrameError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Reason: String, Sendable, CaseIterable {
        /// Not JSON, or JSON cut short.
        case malformedJSON = "malformed_json"
        /// JSON, but not an `eth_subscription` notification.
        case notANotification = "not_a_notification"
        /// A field the notification needs is absent.
        case missingField = "missing_field"
        /// A field has the wrong JSON type or an invalid hex encoding.
        case wrongType = "wrong_type"
        /// A log that claims to be a known event but does not match the event's ABI.
        case abiMismatch = "abi_mismatch"
        /// Larger than the configured limit.
        case oversize = "oversize"
        /// A notification for a subscription this client does not hold.
        case unknownSubscription = "unknown_subscription"
        /// A number beyond what a chain or exchange can hold (a block number over 2^53 − 1, a
        /// time past the year 9999): a faulty node or proxy.
        case outOfRange = "out_of_range"
        /// A log of a block the feed had already closed, that is not a copy of a delivered one.
        case staleBlock = "stale_block"
        /// A log of a block the node does not have (never announced, and unknown when asked).
        case unknownBlock = "unknown_block"
    }

    public let reason: Reason
    public let detail: String

    public init(_ reason: Reason, _ detail: String) {
        self.reason = reason
        self.detail = detail
    }

    public var description: String { "\(reason.rawValue): \(detail)" }
}
