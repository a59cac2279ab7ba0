// swift-tools-version:6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "patchpilot",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "patchpilot", targets: ["patchpilot"]),
        .executable(name: "patchpilot-agent", targets: ["patchpilot-agent"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0", traits: []),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.34.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0", traits: []),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.0"),
    ],
    targets: [
        // The system zlib (DEFLATE, gzip, CRC-32) for the feed readers.
        .systemLibrary(name: "CSystemZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // posix_spawn with glibc's closefrom action, for the agent's child processes.
        .target(name: "CProcessSpawn"),
        // Pure domain modules: no I/O.
        .target(name: "PackageVersions", swiftSettings: swiftSettings),
        .target(name: "FleetModel", dependencies: ["PackageVersions"], swiftSettings: swiftSettings),
        .target(
            name: "SecurityAdvisories",
            dependencies: [
                "PackageVersions", "FleetModel", "CSystemZlib",
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AgentProtocol",
            dependencies: ["FleetModel", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "PatchPolicy",
            dependencies: ["FleetModel", "SecurityAdvisories", .product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ChangeControl",
            dependencies: ["FleetModel", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "RolloutEngine",
            dependencies: ["PatchPolicy", "ChangeControl", "FleetModel"],
            swiftSettings: swiftSettings
        ),
        // The HTTP API's wire types (request bodies and their validation, query parameters, answers),
        // shared by the server, the CLI, the tests and the fuzzers.
        .target(
            name: "PatchAPI",
            dependencies: ["ChangeControl", "RolloutEngine", "AgentProtocol", "FleetModel", "SecurityAdvisories"],
            swiftSettings: swiftSettings
        ),
        // Adapters.
        .target(
            name: "PatchStore",
            dependencies: [
                "FleetModel", "SecurityAdvisories", "ChangeControl", "RolloutEngine",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "PatchServer",
            dependencies: [
                "PatchStore", "FleetModel", "AgentProtocol", "SecurityAdvisories", "PatchPolicy", "ChangeControl",
                "RolloutEngine", "PatchAPI",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            resources: [.copy("Resources")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "PatchAgent",
            dependencies: [
                "AgentProtocol", "FleetModel", "CProcessSpawn",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // A simulated fleet over the real HTTP API and the bundled demo data (`serve --demo`,
        // `simulate`, the fleet benchmark).
        .target(
            name: "PatchDemo",
            dependencies: [
                "PatchAgent", "PatchServer", "PatchStore", "AgentProtocol", "FleetModel", "SecurityAdvisories",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("DemoFleet"), .copy("DemoFeeds"), .copy("DemoPolicy")],
            swiftSettings: swiftSettings
        ),
        // Executables: parse arguments and wire things up.
        .executableTarget(
            name: "patchpilot",
            dependencies: [
                "PatchServer", "PatchStore", "PatchAgent", "PatchDemo", "ChangeControl", "RolloutEngine", "PackageVersions", "FleetModel", "AgentProtocol",
                "PatchAPI",
                "SecurityAdvisories",
                "PatchPolicy",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "patchpilot-agent",
            dependencies: [
                "PatchAgent", "FleetModel", "AgentProtocol",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // Test code shared by the test targets (a throwaway PostgreSQL database per fixture).
        .target(
            name: "PatchTestSupport",
            dependencies: [
                "PatchStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Tests.
        .testTarget(
            name: "PackageVersionsTests",
            dependencies: ["PackageVersions"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FleetModelTests",
            dependencies: ["FleetModel"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PatchPolicyTests",
            dependencies: ["PatchPolicy", "FleetModel", "SecurityAdvisories"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SecurityAdvisoriesTests",
            dependencies: [
                "SecurityAdvisories", "PackageVersions", "FleetModel",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ChangeControlTests",
            dependencies: ["ChangeControl", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RolloutEngineTests",
            dependencies: ["RolloutEngine", "PatchPolicy", "ChangeControl", "FleetModel"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AgentProtocolTests",
            dependencies: ["AgentProtocol", "FleetModel", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PatchAPITests",
            dependencies: ["PatchAPI", "AgentProtocol", "FleetModel", "ChangeControl", "RolloutEngine"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PatchStoreTests",
            dependencies: [
                "PatchStore", "FleetModel", "SecurityAdvisories", "AgentProtocol", "ChangeControl", "PatchTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PatchServerTests",
            dependencies: [
                "PatchServer", "PatchStore", "AgentProtocol", "FleetModel", "ChangeControl", "PatchAPI",
                "PatchTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PatchAgentTests",
            dependencies: ["PatchAgent", "FleetModel", "AgentProtocol"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "FleetModel", "AgentProtocol", "PatchAPI", "PatchAgent",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
