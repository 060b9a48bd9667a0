#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@inline(__always) func _tanh(_ x: Double) -> Double { tanh(x) }
@inline(__always) func _exp(_ x: Double) -> Double { exp(x) }
