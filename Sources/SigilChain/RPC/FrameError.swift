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
    }

    public let reason: Reason
    public let detail: String

    public init(_ reason: Reason, _ detail: String) {
        self.reason = reason
        self.detail = detail
    }

    public var description: String { "\(reason.rawValue): \(detail)" }
}
