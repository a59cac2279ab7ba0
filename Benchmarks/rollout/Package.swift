// swift-tools-version:6.2
// Rollout benchmark: builds the repository's pure domain modules from their sources
// (Sources/PackageVersions, FleetModel, SecurityAdvisories, PatchPolicy, RolloutEngine are symlinks
// to ../../../Sources/…) plus the benchmark executable. See run.sh.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "rollout-bench",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
    ],
    targets: [
        .target(name: "PackageVersions", swiftSettings: swiftSettings),
        .target(name: "FleetModel", dependencies: ["PackageVersions"], swiftSettings: swiftSettings),
        .systemLibrary(name: "CSystemZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(
            name: "SecurityAdvisories",
            dependencies: [
                "PackageVersions", "FleetModel", "CSystemZlib",
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "PatchPolicy",
            dependencies: ["FleetModel", "SecurityAdvisories", .product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        .target(name: "RolloutEngine", dependencies: ["PatchPolicy", "FleetModel"], swiftSettings: swiftSettings),
        .executableTarget(
            name: "RolloutBench",
            dependencies: ["RolloutEngine", "PatchPolicy"],
            swiftSettings: swiftSettings
        ),
    ]
)
