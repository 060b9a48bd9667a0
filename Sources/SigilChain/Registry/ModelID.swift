public import SigilCore

/// Model ids in the registry are bytes32. People name models with strings.
public enum ModelID {
    /// `0x` + 64 hex digits is taken as the id itself; any other text names the model and its
    /// id is keccak256 of the UTF-8 bytes (`sigil/model-signal` → 0x…).
    public static func parse(_ text: String) -> Hash32 {
        if text.hasPrefix("0x"), text.count == 66, let h = Hash32(hex: text) { return h }
        return Hash32(bytes: Keccak256.hash(text))!
    }
}
