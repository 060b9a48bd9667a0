// swift-tools-version: 6.2
import Foundation
import PackageDescription

/// One set of Swift settings for every target: Swift 6 language mode with strict concurrency,
/// the upcoming features below, warnings as errors nowhere but no warning left in our code.
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

/// Every plugin is a folder under plugins/ (see README, "Write a plugin"): `Sources` is a target
/// of the folder's name, `Tests` its test target, and the composition root (SigilBundle) depends
/// on it. Adding a plugin touches only its folder and its registration line in SigilBundle.
let plugins: [String] = {
    let dir = Context.packageDirectory + "/plugins"
    let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
    return names.filter { FileManager.default.fileExists(atPath: "\(dir)/\($0)/Sources") }.sorted()
}()

let pluginTargets: [Target] = plugins.flatMap { name -> [Target] in
    var targets: [Target] = [
        .target(name: name, dependencies: ["SigilPluginAPI", "SigilCore"], path: "plugins/\(name)/Sources", swiftSettings: swiftSettings),
    ]
    if FileManager.default.fileExists(atPath: Context.packageDirectory + "/plugins/\(name)/Tests") {
        targets.append(.testTarget(
            name: name + "Tests",
            dependencies: [.target(name: name), "SigilPluginAPI", "SigilCore", "SigilChain", "SigilFeeds", "SigilRuntime", "SigilTestSupport"],
            path: "plugins/\(name)/Tests", swiftSettings: swiftSettings))
    }
    return targets
}

let package = Package(
    name: "sigil",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "sigil", targets: ["sigil"]),
        .library(name: "SigilCore", targets: ["SigilCore"]),
        .library(name: "SigilChain", targets: ["SigilChain"]),
        .library(name: "SigilModels", targets: ["SigilModels"]),
        .library(name: "SigilFeeds", targets: ["SigilFeeds"]),
        // For Benchmarks/ (make bench), a package of its own.
        .library(name: "SigilRuntime", targets: ["SigilRuntime"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/swift-websocket.git", from: "1.6.2"),
        .package(url: "https://github.com/attaswift/BigInt.git", from: "6.0.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CSecp256k1", path: "Sources/CSecp256k1", pkgConfig: "libsecp256k1",
                       providers: [.apt(["libsecp256k1-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "SigilCore", swiftSettings: swiftSettings),
        .target(
            name: "SigilChain",
            dependencies: [
                "SigilCore",
                "CSecp256k1",
                .product(name: "BigInt", package: "BigInt"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "WSClient", package: "swift-websocket"),
                .product(name: "WSCompression", package: "swift-websocket"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(name: "SigilPluginAPI", dependencies: ["SigilCore"], swiftSettings: swiftSettings),
        .target(
            name: "SigilRuntime",
            dependencies: [
                "SigilCore", "SigilPluginAPI", "SigilChain", "SigilFeeds", "SigilModels",
                .product(name: "Yams", package: "Yams"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SigilModels",
            dependencies: ["SigilCore", "SigilPluginAPI", "COpenBLAS", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SigilFeeds",
            dependencies: [
                "SigilCore", "SigilChain", "CZlib",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SigilEthereumFeed",
            dependencies: [
                "SigilCore", "SigilChain", "SigilFeeds",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SigilHyperliquidFeed",
            dependencies: [
                "SigilCore", "SigilChain", "SigilFeeds",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "WSClient", package: "swift-websocket"),
                .product(name: "WSCompression", package: "swift-websocket"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The composition root: the bundled plugins and feed kinds, registered in one place.
        .target(
            name: "SigilBundle",
            dependencies: ["SigilRuntime", "SigilFeeds", "SigilPluginAPI", "SigilEthereumFeed", "SigilHyperliquidFeed"]
                + plugins.map { .target(name: $0) },
            swiftSettings: swiftSettings
        ),
        .target(name: "SigilBacktest", dependencies: ["SigilCore", "SigilPluginAPI", "SigilRuntime", "SigilFeeds", "SigilModels", "SigilContrib"], swiftSettings: swiftSettings),
        .target(
            name: "SigilContrib",
            dependencies: ["SigilCore", "SigilChain", "SigilFeeds", "SigilModels", "SigilPluginAPI", "SigilRuntime",
                           .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SigilCoordinator",
            dependencies: [
                "SigilCore", "SigilChain", "SigilModels", "SigilRuntime", "SigilContrib",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The operator's HTTP side of a run: Prometheus metrics, the status API and its client,
        // the live dashboard.
        .target(
            name: "SigilMonitor",
            dependencies: [
                "SigilRuntime",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // The dashboard's page, script and style, compiled into the binary (no file to ship
            // beside it, nothing fetched from elsewhere).
            resources: [.embedInCode("Dashboard/index.html"), .embedInCode("Dashboard/dashboard.js"), .embedInCode("Dashboard/dashboard.css"),
                        .embedInCode("Dashboard/favicon.svg")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "sigil",
            dependencies: [
                "SigilCore", "SigilChain", "SigilFeeds", "SigilModels", "SigilRuntime", "SigilPluginAPI", "SigilContrib", "SigilCoordinator", "SigilBundle",
                "SigilBacktest", "SigilMonitor",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings,
            // The bot's matrix products are tiny (a few hundred weights): Debian's single-threaded
            // OpenBLAS (libopenblas0-serial, same soname) is found first, so no worker thread is
            // started, and spins, at every start. Without that package the default one loads.
            linkerSettings: [.unsafeFlags(["-Xlinker", "-rpath", "-Xlinker", "/usr/lib/x86_64-linux-gnu/openblas-serial",
                                           "-Xlinker", "-rpath", "-Xlinker", "/usr/lib/aarch64-linux-gnu/openblas-serial"],
                                          .when(platforms: [.linux]))]
        ),
        .target(name: "SigilTestSupport", dependencies: ["SigilCore", "SigilChain", "SigilModels", "SigilPluginAPI"], path: "Tests/SigilTestSupport",
                swiftSettings: swiftSettings),
        // Every test that runs the `sigil` binary, in one place.
        .testTarget(name: "SigilCLITests", dependencies: ["SigilTestSupport", "SigilCore"], swiftSettings: swiftSettings),
        .testTarget(name: "SigilCoreTests", dependencies: ["SigilCore"], swiftSettings: swiftSettings),
        .testTarget(
            name: "SigilMonitorTests",
            dependencies: ["SigilMonitor", "SigilRuntime", "SigilFeeds", "SigilChain", "SigilCore",
                           .product(name: "Prometheus", package: "swift-prometheus")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "SigilBacktestTests", dependencies: ["SigilBacktest", "SigilCore", "SigilTestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "SigilRuntimeTests",
            dependencies: ["SigilRuntime", "SigilBundle", "SigilPluginAPI", "SigilChain", "SigilFeeds", "SigilEthereumFeed",
                           "SigilHyperliquidFeed", "SigilCore", "SigilTestSupport",
                           .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SigilContribTests",
            dependencies: ["SigilContrib", "SigilBundle", "SigilPluginAPI", "SigilRuntime", "SigilChain", "SigilModels", "SigilCore", "SigilTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SigilCoordinatorTests",
            dependencies: ["SigilCoordinator", "SigilBundle", "SigilContrib", "SigilRuntime", "SigilChain", "SigilModels", "SigilCore", "SigilTestSupport",
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "AsyncHTTPClient", package: "async-http-client"),
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOHTTP1", package: "swift-nio"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SigilFeedsTests",
            dependencies: ["SigilFeeds", "SigilEthereumFeed", "SigilHyperliquidFeed", "SigilChain", "SigilCore", "SigilTestSupport",
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "SigilModelsTests", dependencies: ["SigilModels", "SigilCore", "SigilTestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "SigilChainTests",
            dependencies: [
                "SigilCore", "SigilChain", "SigilFeeds", "SigilModels", "SigilTestSupport",
                .product(name: "BigInt", package: "BigInt"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
    ] + pluginTargets
)
