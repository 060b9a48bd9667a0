import Foundation

/// A share as whole percent for a description ("95" for 0.95), without trapping on values an
/// attacker can size: infinity, NaN or shares far above 1 are printed, never converted to Int.
public func percentText(_ share: Double) -> String {
    String(format: "%.0f", (share * 100).rounded())
}
