// swift-tools-version:6.2
// Fleet-correlation benchmark: builds the repository's pure domain modules from their sources
// (Sources/PackageVersions etc. are symlinks to ../../../Sources/…; no server, store or HTTP
// dependencies) plus the benchmark executable. See run.sh.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "correlation-bench",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
    ],
    targets: [
        .target(name: "PackageVersions", swiftSettings: swiftSettings),
        .target(
            name: "FleetModel",
            dependencies: ["PackageVersions"],
            swiftSettings: swiftSettings
        ),
        .systemLibrary(name: "CSystemZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(
            name: "SecurityAdvisories",
            dependencies: [
                "PackageVersions", "FleetModel", "CSystemZlib",
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "CorrelationBench",
            dependencies: ["SecurityAdvisories", "FleetModel", "PackageVersions"],
            swiftSettings: swiftSettings
        ),
    ]
)
