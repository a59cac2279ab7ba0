import PackageVersions
import Testing

@Suite struct AffectedRangeTests {
    @Test func debianIntroducedFixed() throws {
        let range = try AffectedRange(
            type: .ecosystem,
            scheme: .deb,
            events: [.introduced("0"), .fixed("1.2.3-1+deb12u1")]
        )
        #expect(try range.contains("1.2.3-1"))
        #expect(try range.contains("1:0") == false, "an epoch outranks everything")
        #expect(try range.contains("1.2.3-1+deb12u1~bpo1"), "~ sorts before the fixed version")
        #expect(try range.contains("1.2.3-1+deb12u1") == false)
        #expect(try range.contains("1.2.3-1+deb12u1+b1") == false, "binNMU of the fix is fixed")
        #expect(try range.contains("1.2.3-1+deb12u2") == false)
    }

    @Test func multipleIntervalsAndLastAffected() throws {
        let range = try AffectedRange(
            type: .ecosystem,
            scheme: .rpm,
            events: [.introduced("1.0-1"), .fixed("1.5-1"), .introduced("2.0-1"), .lastAffected("2.3-4")]
        )
        #expect(try !range.contains("0.9-1"))
        #expect(try range.contains("1.0-1"))
        #expect(try range.contains("1.4.9-9"))
        #expect(try !range.contains("1.5-1"))
        #expect(try !range.contains("1.9-1"))
        #expect(try range.contains("2.3-4"))
        #expect(try !range.contains("2.3-4.el9"), "above last_affected")
        #expect(try !range.contains("2.3-5"))
    }

    @Test func limitsAndSemver() throws {
        let range = try AffectedRange(type: .semver, scheme: .deb, events: [.introduced("0"), .limit("2.0.0")])
        #expect(range.scheme == .semver)
        #expect(try range.contains("1.9.9"))
        #expect(try !range.contains("2.0.0"))
        let star = try AffectedRange(type: .semver, scheme: .semver, events: [.introduced("1.0.0"), .limit("*")])
        #expect(try star.contains("99.0.0"))
        #expect(try !star.contains("1.0.0-rc.1"))
    }

    @Test func alpineAndOneCallCheck() throws {
        let ranges = [
            try AffectedRange(type: .ecosystem, scheme: .apk, events: [.introduced("0"), .fixed("1.36.1-r6")])
        ]
        #expect(try AffectedRange.isAffected("1.36.1-r5", scheme: .apk, ranges: ranges))
        #expect(try AffectedRange.isAffected("1.36.1_rc1-r9", scheme: .apk, ranges: ranges))
        #expect(try !AffectedRange.isAffected("1.36.1-r6", scheme: .apk, ranges: ranges))
        #expect(try AffectedRange.isAffected("9.0-r0", scheme: .apk, ranges: [], versions: ["9.0-r00"]))
    }

    @Test func rejectsBadInput() throws {
        #expect(throws: PackageVersionsError.self) {
            try AffectedRange(type: .ecosystem, scheme: .deb, events: [.introduced("0"), .fixed("1.0-")])
        }
        #expect(throws: PackageVersionsError.self) {
            try AffectedRange(type: .ecosystem, scheme: .deb, events: [.fixed("1")])
        }
        #expect(throws: PackageVersionsError.self) { try AffectedRange.Event(key: "patched", version: "1") }
        #expect(try VersionScheme(osvEcosystem: "Debian:12") == .deb)
        #expect(try VersionScheme(osvEcosystem: "Rocky Linux:9") == .rpm)
        #expect(try VersionScheme(osvEcosystem: "Alpine:v3.19") == .apk)
    }
}

@Suite struct VersRangeTests {
    @Test(arguments: [
        ("vers:deb/>=1.0|<1.2", "1.1", true), ("vers:deb/>=1.0|<1.2", "1.2~rc1", true),
        ("vers:deb/>=1.0|<1.2", "1.2", false), ("vers:deb/>=1.0|<1.2", "1.0~", false),
        ("vers:deb/>=1.0|<1.2", "1:0.1", false), ("vers:deb/<1.0|>=2.0", "0.5", true),
        ("vers:deb/<1.0|>=2.0", "1.5", false), ("vers:deb/<1.0|>=2.0", "2.0", true),
        ("vers:rpm/>=1:1.0-1|<=1:1.9-1", "1:1.9-1", true), ("vers:rpm/>=1:1.0-1|<=1:1.9-1", "1.5-1", false),
        ("vers:rpm/1.0^git1", "1.0^git1", true), ("vers:rpm/<1.0^git1", "1.0", true),
        ("vers:alpine/>=1.2_rc1|<1.2-r1", "1.2", true), ("vers:apk/>1.2_p1", "1.2", false),
        ("vers:npm/1.2.3|>=2.0.0|<5.0.0", "1.2.3", true), ("vers:npm/1.2.3|>=2.0.0|<5.0.0", "3.0.0", true),
        ("vers:npm/1.2.3|>=2.0.0|<5.0.0", "1.2.4", false), ("vers:deb/*", "0~", true),
        ("vers:deb/!=1.0", "1.1", true), ("vers:deb/!=1.0", "1.00", false),
        ("vers:deb/>=1.0|!=1.5|<2.0", "1.5", false), ("vers:deb/>=1.0|!=1.5|<2.0", "1.6", true),
        ("vers:semver/>=1.0.0-beta|<1.0.0", "1.0.0-rc.1", true),
    ])
    func containment(_ range: String, _ version: String, _ expected: Bool) throws {
        #expect(try VersRange.contains(version, in: range) == expected)
    }

    @Test func canonicalFormAndValidation() throws {
        let range = try VersRange(parsing: "vers:deb/ <1.2 | >= 1.0 ")
        #expect(range.description == "vers:deb/>=1.0|<1.2")
        #expect(try VersRange(parsing: range.description) == range)
        #expect(try VersRange(parsing: "vers:rpm/>=1.0%7Crc1").constraints.first?.version.description == "1.0|rc1")
        for bad in [
            "vers:deb/", "deb/>=1", "vers:deb/>=1.0|>=1.1", "vers:deb/1.0|1.00", "vers:deb/*|>1", "vers:deb/>=1.0-",
            "vers:cobol/1", "vers:deb/1.0|<1.5",
        ] {
            #expect(throws: PackageVersionsError.self, "\(bad)") { try VersRange(parsing: bad) }
        }
    }
}

@Suite struct NPMRangeTests {
    @Test(arguments: [
        ("1.0.0 - 2.0.0", "1.2.3", true), ("^1.2.3+build", "1.3.0", true), ("^1.2.3", "2.0.0", false),
        ("~1.2.3", "1.2.9", true), ("~1.2.3", "1.3.0", false), ("^0.1.2", "0.1.9", true), ("^0.1.2", "0.2.0", false),
        ("^0.0.3", "0.0.4", false), ("1.2.x", "1.2.99", true), ("1.x || >=2.5.0", "2.6.0", true), ("*", "1.2.3", true),
        ("", "1.0.0", true), (">=1.2.3", "1.2.3-beta", false), (">1.2.3-alpha.3", "1.2.3-alpha.7", true),
        (">1.2.3-alpha.3", "3.4.5-alpha.9", false), ("<=1.2", "1.2.9", true), (">1", "1.9.9", false),
        (">1", "2.0.0", true),
        ("<1", "1.0.0-rc", false), ("1.2.3 - 2.3", "2.3.9", true), ("1.2.3 - 2", "3.0.0", false), ("~1", "1.9.0", true),
        (">= 1.0.0 < 2", "1.5.0", true), ("^1.2.3-beta.2", "1.2.3-beta.4", true),
        ("^1.2.3-beta.2", "1.2.4-beta.4", false),
        ("<*", "1.0.0", false), ("=1.2", "1.2.5", true),
    ])
    func nodeSemverBehaviour(_ range: String, _ version: String, _ expected: Bool) throws {
        let parsed = try NPMRange(parsing: range)
        #expect(parsed.contains(try SemanticVersion(parsing: version)) == expected, "\(parsed)")
    }

    @Test func includePrereleaseAndErrors() throws {
        #expect(
            try NPMRange(parsing: ">=1.0.0").contains(SemanticVersion(parsing: "1.5.0-beta"), includePrerelease: true)
        )
        #expect(throws: PackageVersionsError.self) { try NPMRange(parsing: "1.2.3.4") }
        #expect(throws: PackageVersionsError.self) { try NPMRange(parsing: ">=01.0.0") }
    }
}
