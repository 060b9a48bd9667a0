/// Text from outside (a peer's answer, a file's contents, a nonce) made safe to print: control
/// characters (C0, DEL, C1, which carry terminal escape sequences), line and paragraph
/// separators and bidirectional overrides are shown as `\u{…}` escapes, so a crafted value
/// can neither move the cursor, rewrite a line nor fake another line of output.
public enum TerminalText {
    public static func escaped(_ text: some StringProtocol) -> String {
        var out = ""
        out.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for s in text.unicodeScalars {
            if isUnsafe(s) {
                out += "\\u{" + String(s.value, radix: 16) + "}"
            } else {
                out.unicodeScalars.append(s)
            }
        }
        return out
    }

    /// True for scalars that steer a terminal or reorder text rather than show a glyph.
    public static func isUnsafe(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x00...0x1f, 0x7f...0x9f: true
        case 0x2028, 0x2029, 0x200e, 0x200f, 0x202a...0x202e, 0x2066...0x2069, 0x061c: true
        default: false
        }
    }
}
