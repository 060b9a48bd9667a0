import ArgumentParser
import Foundation
import SigilChain

/// `sigil key new|address`: Ethereum V3 keystores for contributors and publishers.
struct KeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key",
        abstract: "Create an Ethereum V3 keystore (a new key, or one imported from a 0600 file), or show the address of one.",
        subcommands: [New.self, Import.self, ShowAddress.self]
    )

    /// Where the password comes from (one of them; default: a prompt on the terminal).
    struct PasswordOptions: ParsableArguments {
        @Option(help: "Read the password from this file (it must not be readable by others: chmod 600).")
        var passwordFile: String?

        @Option(help: "Read the password from this environment variable.")
        var passwordEnv: String?

        func source() throws -> KeystoreFile.PasswordSource {
            switch (passwordFile, passwordEnv) {
            case (let f?, nil): return .file(f)
            case (nil, let e?): return .environment(e)
            case (nil, nil): return .prompt
            default: throw ValidationError("give --password-file or --password-env, not both")
            }
        }
    }

    struct New: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate a key and write it encrypted to a new keystore file (mode 0600); prints its address.")

        @Option(help: "The keystore file to create (never overwritten).")
        var keystore: String

        @Option(help: "Key derivation: scrypt (geth's standard, n=2^18), light (scrypt n=2^12), or pbkdf2 (262144 rounds).")
        var kdf: Keystore.KDFPreset = .scrypt

        @OptionGroup var password: PasswordOptions

        func run() async throws {
            do {
                let pw = try KeystoreFile.password(from: try password.source(), confirm: true)
                let address = try KeystoreFile.create(at: keystore, password: pw, kdf: kdf.kdf)
                print("\(address)  written to \(keystore) (\(kdf.rawValue))")
            } catch let e as ChainError {
                FileHandle.standardError.write(Data("sigil key new: \(e)\n".utf8))
                throw ExitCode(1)
            }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Encrypt an existing private key into a new keystore file (mode 0600); prints its address.",
            discussion: "The key file holds 64 hex digits (0x optional) and must be readable by its owner only (chmod 600).")

        @Option(help: "The keystore file to create (never overwritten).")
        var keystore: String

        @Option(help: "The file holding the raw private key (mode 0600).")
        var privateKeyFile: String

        @Option(help: "Key derivation: scrypt (geth's standard, n=2^18), light (scrypt n=2^12), or pbkdf2 (262144 rounds).")
        var kdf: Keystore.KDFPreset = .scrypt

        @OptionGroup var password: PasswordOptions

        func run() async throws {
            do {
                let key = try KeystoreFile.privateKey(fromFile: privateKeyFile)
                let pw = try KeystoreFile.password(from: try password.source(), confirm: true)
                let address = try KeystoreFile.create(at: keystore, key: key, password: pw, kdf: kdf.kdf)
                print("\(address)  written to \(keystore) (\(kdf.rawValue))")
            } catch let e as ChainError {
                FileHandle.standardError.write(Data("sigil key import: \(e)\n".utf8))
                throw ExitCode(1)
            }
        }
    }

    struct ShowAddress: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "address", abstract: "Decrypt a keystore (checking the password) and print its address.")

        @Option(help: "The keystore file.")
        var keystore: String

        @OptionGroup var password: PasswordOptions

        func run() async throws {
            do {
                print(try KeystoreFile.open(keystore, password: try password.source()).address)
            } catch let e as ChainError {
                FileHandle.standardError.write(Data("sigil key address: \(e)\n".utf8))
                throw ExitCode(1)
            }
        }
    }
}
