/// An error from SigilChain: what went wrong, said plainly.
public struct ChainError: Error, CustomStringConvertible, Equatable, Sendable {
    enum Kind: Equatable, Sendable {
        case abiType(String)
        case abiEncode(String)
        case abiDecode(String)
        case rpc(code: Int, message: String, data: String?)
        case transport(String)
        case malformedResponse(String)
        case log(String)
        case key(String)
        case reverted(String)
    }

    let kind: Kind

    init(_ kind: Kind) { self.kind = kind }

    static func abiType(_ s: String) -> ChainError { .init(.abiType(s)) }
    static func abiEncode(_ s: String) -> ChainError { .init(.abiEncode(s)) }
    static func abiDecode(_ s: String) -> ChainError { .init(.abiDecode(s)) }
    public static func transport(_ s: String) -> ChainError { .init(.transport(s)) }
    static func reverted(_ s: String) -> ChainError { .init(.reverted(s)) }
    static func malformed(_ s: String) -> ChainError { .init(.malformedResponse(s)) }
    static func log(_ s: String) -> ChainError { .init(.log(s)) }

    /// The JSON-RPC error code when the node answered with an error object.
    public var rpcCode: Int? {
        if case .rpc(let code, _, _) = kind { return code }
        return nil
    }

    /// Whether a transaction was refused by the contract (it reverted, or would have).
    public var isRevert: Bool {
        if case .reverted = kind { return true }
        return false
    }

    /// The JSON-RPC error data (revert data for code 3), if any.
    public var rpcData: String? {
        if case .rpc(_, _, let data) = kind { return data }
        return nil
    }

    public var description: String {
        switch kind {
        case .abiType(let s): "invalid ABI type: \(s)"
        case .abiEncode(let s): "cannot ABI-encode: \(s)"
        case .abiDecode(let s): "cannot ABI-decode: \(s)"
        case .rpc(let code, let message, let data): "node error \(code): \(message)" + (data.map { " (data \($0))" } ?? "")
        case .transport(let s): "transport: \(s)"
        case .malformedResponse(let s): "malformed response: \(s)"
        case .log(let s): "malformed log: \(s)"
        case .key(let s): "key: \(s)"
        case .reverted(let s): "the contract refused: \(s)"
        }
    }

    static func rpc(code: Int, message: String, data: String?) -> ChainError { .init(.rpc(code: code, message: message, data: data)) }
}
