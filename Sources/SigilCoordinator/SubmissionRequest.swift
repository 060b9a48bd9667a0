import Foundation
import SigilChain
import SigilCore

/// The body of `POST /v1/submissions`, checked before anything is decided: the media type
/// must be JSON, the body one object with exactly the three fields, each of the right kind and
/// within its size.
public struct SubmissionRequest: Sendable {
    public var manifest: [UInt8]
    public var weights: [UInt8]
    public var signature: [UInt8]

    /// A request refused before it reaches the coordinator: the HTTP status and why.
    public struct Refusal: Error, Sendable, CustomStringConvertible {
        public let status: Int
        public let message: String
        public var description: String { "\(status): \(message)" }
    }

    public static let fields: Set<String> = ["manifest", "weights", "signature"]

    /// Parses a request body; `contentType` is the request's `Content-Type` header.
    public static func parse(body: [UInt8], contentType: String?) -> Result<SubmissionRequest, Refusal> {
        let media = contentType?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard media == "application/json" else {
            return .failure(Refusal(status: 415, message: "Content-Type must be application/json, not \(TerminalText.escaped((contentType ?? "none").prefix(100)))"))
        }
        let usage = "expected {\"manifest\": base64, \"weights\": base64, \"signature\": \"0x\" + 130 hex digits}"
        guard let obj = try? JSONDecoder().decode([String: JSONValue].self, from: Data(body)) else {
            return .failure(Refusal(status: 400, message: "the body is not a JSON object; \(usage)"))
        }
        if let extra = obj.keys.sorted().first(where: { !fields.contains($0) }) {
            return .failure(Refusal(status: 400, message: "unknown field \(TerminalText.escaped(extra.prefix(64))); valid fields: manifest, signature, weights"))
        }
        guard let m = obj["manifest"]?.stringValue.flatMap({ Data(base64Encoded: $0) }),
              let w = obj["weights"]?.stringValue.flatMap({ Data(base64Encoded: $0) }),
              let sigText = obj["signature"]?.stringValue, sigText.utf8.count <= 140, let s = Hex.decode(sigText)
        else { return .failure(Refusal(status: 400, message: usage)) }
        return .success(SubmissionRequest(manifest: [UInt8](m), weights: [UInt8](w), signature: s))
    }
}
