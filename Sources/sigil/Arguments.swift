public import ArgumentParser
public import SigilChain
public import SigilContrib
public import SigilCore

// Typed command-line values: ArgumentParser checks them and says what is valid.

extension ModelVersionSelector: ExpressibleByArgument {
    /// `latest` or a version number (1 or more).
    public init?(argument: String) {
        if argument == "latest" {
            self = .latest
        } else if let n = UInt64(argument), n >= 1 {
            self = .pinned(n)
        } else {
            return nil
        }
    }
}

extension Address: ExpressibleByArgument {
    /// A 0x address of 40 hex digits.
    public init?(argument: String) { self.init(hex: argument) }
}

extension Keystore.KDFPreset: ExpressibleByArgument {}

extension Trainer.Options.Architecture: ExpressibleByArgument {}
