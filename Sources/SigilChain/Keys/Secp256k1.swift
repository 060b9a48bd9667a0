import CSecp256k1

/// The process-wide libsecp256k1 context. Created once; libsecp256k1 allows concurrent use of
/// a context by functions that take it as `const`, which is all that Sigil calls.
final class Secp256k1Context: @unchecked Sendable {
    static let shared = Secp256k1Context()
    let raw: OpaquePointer

    private init() {
        raw = secp256k1_context_create(UInt32(SECP256K1_CONTEXT_NONE))!
    }
}
