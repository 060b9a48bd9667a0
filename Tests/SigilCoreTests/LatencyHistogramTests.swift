@testable import SigilCore
import Testing

@Suite struct LatencyHistogramTests {
    /// Every value lands in a bucket whose bounds hold it, and buckets are contiguous.
    @Test func bucketsHoldTheirValues() {
        var rng = SplitMix64(seed: 3)
        for _ in 0..<100_000 {
            let ns = rng.next() >> (rng.next() % 64)
            let i = LatencyHistogram.bucket(ns)
            let last = 40 * 16 - 1
            #expect(LatencyHistogram.lowerBound(i) <= ns)
            if i < last { #expect(ns < LatencyHistogram.lowerBound(i + 1), "\(ns) in bucket \(i)") }
        }
        for i in 0..<(40 * 16 - 1) { #expect(LatencyHistogram.lowerBound(i) < LatencyHistogram.lowerBound(i + 1)) }
    }

    /// Quantiles agree with the exact ones of a sorted sample within the bucket resolution.
    @Test func quantilesMatchSortedSampleWithinResolution() {
        var rng = SplitMix64(seed: 9)
        var h = LatencyHistogram()
        var sample: [UInt64] = []
        for _ in 0..<50_000 {
            // Mostly ~100 µs, a tail up to tens of ms.
            let ns = 50_000 + rng.next() % 100_000 + (rng.next() % 100 == 0 ? rng.next() % 30_000_000 : 0)
            sample.append(ns)
            h.record(nanoseconds: ns)
        }
        sample.sort()
        for q in [0.01, 0.5, 0.9, 0.99, 0.999] {
            let exact = Double(sample[Int((q * Double(sample.count)).rounded(.up)) - 1])
            let got = Double(h.quantileNanoseconds(q) ?? 0)
            #expect(abs(got - exact) / exact <= 1.0 / 16, "q \(q): \(got) against \(exact)")
        }
        #expect(h.count == 50_000 && h.maxNanoseconds == sample.last)
        #expect(h.quantileNanoseconds(1) == sample.last)
    }

    /// Nothing recorded: no quantile; huge or negative durations are counted, never a trap.
    @Test func extremesAreCountedNotTrapped() {
        var h = LatencyHistogram()
        #expect(h.quantileNanoseconds(0.5) == nil && h.description == "none")
        h.record(.seconds(Int64.max))
        h.record(.seconds(-1))
        h.record(nanoseconds: .max)
        #expect(h.count == 3 && h.maxNanoseconds == .max && h.sumNanoseconds == .max)
        var merged = LatencyHistogram()
        merged.record(.microseconds(120))
        merged.merge(h)
        #expect(merged.count == 4 && merged.quantileNanoseconds(0) == 0)
        #expect(LatencyHistogram.format(1_234) == "1.2 µs" && LatencyHistogram.format(180_000) == "180 µs"
                && LatencyHistogram.format(2_500_000) == "2500 µs" && LatencyHistogram.format(25_000_000) == "25 ms")
    }
}
