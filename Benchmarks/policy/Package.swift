// swift-tools-version:6.2
// SLA-state benchmark: builds the repository's pure domain modules from their sources
// (Sources/PackageVersions, FleetModel, SecurityAdvisories, PatchPolicy are symlinks to
// ../../../Sources/…) plus the benchmark executable. See run.sh.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "policy-bench",
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
        .executableTarget(
            name: "PolicyBench",
            dependencies: ["PatchPolicy", "SecurityAdvisories"],
            swiftSettings: swiftSettings
        ),
    ]
)
