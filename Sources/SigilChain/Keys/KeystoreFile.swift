public import Foundation
import Glibc
public import SigilCore

/// Where a keystore's password comes from, and how keystore files are written and read: the
/// password from a 0600 file, an environment variable, or a prompt on the terminal (echo off);
/// keystore files created 0600, never over an existing file.
public enum KeystoreFile {
    public enum PasswordSource: Sendable, Hashable {
        case prompt
        case file(String)
        case environment(String)
    }

    /// Reads the password. `confirm` asks twice on a prompt (for a new key).
    public static func password(from source: PasswordSource, confirm: Bool = false) throws(ChainError) -> String {
        switch source {
        case .environment(let name):
            guard let v = ProcessInfo.processInfo.environment[name] else { throw ChainError(.key("the environment variable \(name) is not set")) }
            return v
        case .file(let path):
            return try privateText(path, what: "password file")
        case .prompt:
            let first = try prompt("Password: ")
            if confirm, try prompt("Repeat the password: ") != first { throw ChainError(.key("the passwords do not match")) }
            return first
        }
    }

    /// The text of a secret file that only its owner may read (mode 0600 or stricter), at most
    /// 4 KiB, without its final line break.
    static func privateText(_ path: String, what: String) throws(ChainError) -> String {
        guard let attrs = try? FileManager.default.attributesOfItem(atPath: path),
              let mode = (attrs[.posixPermissions] as? NSNumber)?.intValue
        else { throw ChainError(.key("cannot read the \(what) \(path)")) }
        guard mode & 0o077 == 0 else {
            throw ChainError(.key("the \(what) \(path) is readable by others (mode \(String(mode, radix: 8))); chmod 600 it"))
        }
        var text: String
        do { text = try InputFile.text(path, what: what, limit: 4_096) } catch {
            throw ChainError(.key("cannot read the \(what): \(error)"))
        }
        // "\r\n" is one Character in Swift: `hasSuffix("\n")` alone misses it.
        if text.hasSuffix("\r\n") || text.hasSuffix("\n") { text.removeLast() }
        return text
    }

    /// Reads a raw private key (64 hex digits, `0x` optional) from a file only its owner may read.
    /// The key never appears in an error.
    public static func privateKey(fromFile path: String) throws(ChainError) -> PrivateKey {
        var hex = try privateText(path, what: "private key file").trimmingCharacters(in: .whitespaces)
        if hex.hasPrefix("0x") || hex.hasPrefix("0X") { hex.removeFirst(2) }
        guard hex.utf8.count == 64, let bytes = Hex.decode(hex), bytes.count == 32 else {
            throw ChainError(.key("the private key file \(path) does not hold 64 hex digits"))
        }
        return try PrivateKey(bytes: bytes)
    }

    /// Reads a line from the terminal with echo off.
    static func prompt(_ text: String) throws(ChainError) -> String {
        let fd = Glibc.open("/dev/tty", O_RDWR)
        guard fd >= 0 else { throw ChainError(.key("no terminal to ask for the password: use --password-file or --password-env")) }
        defer { Glibc.close(fd) }
        var saved = termios()
        tcgetattr(fd, &saved)
        var quiet = saved
        quiet.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(fd, TCSAFLUSH, &quiet)
        defer {
            tcsetattr(fd, TCSAFLUSH, &saved)
            _ = Glibc.write(fd, "\n", 1)
        }
        _ = text.withCString { Glibc.write(fd, $0, strlen($0)) }
        var bytes: [UInt8] = []
        var c: UInt8 = 0
        while Glibc.read(fd, &c, 1) == 1, c != 0x0a { bytes.append(c) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Generates a key and writes it encrypted to a new keystore at `path` (0600, never replacing
    /// a file); returns its address.
    public static func create(at path: String, password: String, kdf: Keystore.KDF) throws(ChainError) -> Address {
        try create(at: path, key: PrivateKey.random(), password: password, kdf: kdf)
    }

    /// Writes an existing key encrypted to a new keystore at `path` (0600, never replacing a
    /// file); returns its address.
    public static func create(at path: String, key: PrivateKey, password: String, kdf: Keystore.KDF) throws(ChainError) -> Address {
        try write(try Keystore.encrypt(key, password: password, kdf: kdf), to: path)
        return key.address
    }

    /// Writes a keystore to `path`, readable by its owner only; an existing file is never replaced.
    public static func write(_ keystore: Data, to path: String) throws(ChainError) {
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else {
            let why = errno == EEXIST ? "it exists (a keystore is never overwritten)" : String(cString: strerror(errno))
            throw ChainError(.key("cannot create \(path): \(why)"))
        }
        defer { Glibc.close(fd) }
        let ok = keystore.withUnsafeBytes { buf in Glibc.write(fd, buf.baseAddress, buf.count) == buf.count }
        guard ok, fsync(fd) == 0 else { throw ChainError(.key("cannot write \(path): \(String(cString: strerror(errno)))")) }
    }

    /// Opens a keystore file with a password from `source`.
    public static func open(_ path: String, password source: PasswordSource) throws(ChainError) -> PrivateKey {
        let bytes: [UInt8]
        do { bytes = try InputFile.bytes(path, what: "keystore", limit: Keystore.maxFileBytes) } catch {
            throw ChainError(.key("cannot read the keystore: \(error)"))
        }
        return try Keystore.decrypt(Data(bytes), password: try password(from: source))
    }
}
