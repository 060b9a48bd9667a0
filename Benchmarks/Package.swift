// swift-tools-version: 6.1
// The micro-benchmarks of `make bench` (ordo-one/benchmark, with its malloc interposer for
// allocation counts). A package of its own so that `make test` never builds the benchmark tools.
import PackageDescription

let package = Package(
    name: "SigilBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "sigil", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "SigilBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "SigilCore", package: "sigil"),
                .product(name: "SigilChain", package: "sigil"),
                .product(name: "SigilFeeds", package: "sigil"),
                .product(name: "SigilModels", package: "sigil"),
                .product(name: "SigilRuntime", package: "sigil"),
            ],
            path: "Benchmarks/SigilBenchmarks",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
