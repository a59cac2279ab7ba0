// swift-tools-version:6.2
// libFuzzer harnesses for every file and document parser (see run.sh). Sources/PackageVersions,
// FleetModel, SecurityAdvisories, PatchPolicy and AgentProtocol are symlinks to the repository's
// modules; each Fuzz* executable is one main.swift that hands its test function to libFuzzer
// (LLVMFuzzerRunDriver) and is built with `-sanitize=fuzzer,address`.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

/// Fuzz target → the modules it reads.
let fuzzTargets: [(name: String, dependencies: [Target.Dependency])] = [
    ("FuzzDpkgStatus", ["FleetModel", "PackageVersions", "FuzzSupport"]),
    ("FuzzRPMQuery", ["FleetModel", "PackageVersions", "FuzzSupport"]),
    ("FuzzOSRelease", ["FleetModel", "SecurityAdvisories", "FuzzSupport"]),
    ("FuzzOSV", ["SecurityAdvisories", "FuzzSupport"]),
    ("FuzzCSAF", ["SecurityAdvisories", "FuzzSupport"]),
    ("FuzzDebianTracker", ["SecurityAdvisories", "FuzzSupport"]),
    ("FuzzDebianList", ["SecurityAdvisories", "FuzzSupport"]),
    ("FuzzAlpineSecDB", ["SecurityAdvisories", "FuzzSupport"]),
    ("FuzzKEV", ["SecurityAdvisories", "FuzzSupport"]),
    ("FuzzEPSS", ["SecurityAdvisories", "FuzzSupport"]),
    ("FuzzNVD", ["SecurityAdvisories", "FuzzSupport"]),
    ("FuzzICS", ["PatchPolicy", "FuzzSupport"]),
    ("FuzzRRULE", ["PatchPolicy", "FuzzSupport"]),
    ("FuzzPolicy", ["PatchPolicy", "SecurityAdvisories", "FleetModel", "FuzzSupport"]),
    ("FuzzPlan", ["AgentProtocol", "FleetModel", .product(name: "Crypto", package: "swift-crypto"), "FuzzSupport"]),
    // Network-facing: what a client sends to the server (headers, JSON bodies, queries, agent reports).
    (
        "FuzzRequestHeaders",
        ["AgentProtocol", .product(name: "Crypto", package: "swift-crypto"), "FuzzSupport"]
    ),
    ("FuzzAPIBodies", ["PatchAPI", "AgentProtocol", "ChangeControl", "RolloutEngine", "FleetModel", "FuzzSupport"]),
    ("FuzzQuery", ["PatchAPI", "FuzzSupport"]),
    ("FuzzAgentReports", ["PatchAPI", "AgentProtocol", "FleetModel", "FuzzSupport"]),
]

let package = Package(
    name: "patchpilot-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.0"..<"5.0.0"),
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
        .target(
            name: "PatchAPI",
            dependencies: ["ChangeControl", "RolloutEngine", "AgentProtocol", "FleetModel"],
            swiftSettings: swiftSettings
        ),
        .target(name: "CFuzzerDriver"),
        .target(
            name: "FuzzSupport",
            dependencies: ["CFuzzerDriver", "PackageVersions", "FleetModel", "SecurityAdvisories", "PatchPolicy"],
            swiftSettings: swiftSettings
        ),
    ]
        + fuzzTargets.map { target in
            .executableTarget(name: target.name, dependencies: target.dependencies, swiftSettings: swiftSettings)
        }
)
