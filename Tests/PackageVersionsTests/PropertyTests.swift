import PackageVersions
import Testing

/// A small seedable PRNG (SplitMix64) so every run checks the same inputs.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Generators aimed at the tricky regions of each scheme.
enum Generate {
    static func pick(_ items: [String], _ g: inout SplitMix64) -> String { items.randomElement(using: &g)! }

    static func digits(_ g: inout SplitMix64) -> String {
        switch Int.random(in: 0..<10, using: &g) {
        case 0..<6: String(Int.random(in: 0...12, using: &g))
        case 6: "0" + String(Int.random(in: 0...99, using: &g))
        case 7: String((0..<Int.random(in: 15...30, using: &g)).map { _ in "0123456789".randomElement(using: &g)! })
        default: String(Int.random(in: 0...99_999, using: &g))
        }
    }

    static func run(_ g: inout SplitMix64, seps: [String], words: [String]) -> String {
        var s = digits(&g)
        for _ in 0..<Int.random(in: 0...5, using: &g) {
            switch Int.random(in: 0..<4, using: &g) {
            case 0: s += digits(&g)
            case 1: s += pick(words, &g)
            default: s += pick(seps, &g)
            }
        }
        return s
    }

    static func deb(_ g: inout SplitMix64) -> String {
        let epoch = Bool.random(using: &g) ? "" : pick(["0:", "1:", "2:", "10:", "2147483647:"], &g)
        let upstream = run(&g, seps: [".", "+", "~", "~~", "-", ":"], words: ["a", "b", "Z", "rc", "dfsg", "git"])
        let revision =
            Bool.random(using: &g) ? "" : "-" + run(&g, seps: [".", "+", "~"], words: ["deb", "b", "ubuntu"])
        return epoch + upstream + revision
    }

    static func rpm(_ g: inout SplitMix64) -> String {
        let epoch = Bool.random(using: &g) ? "" : pick(["0:", "1:", "01:", ":", "99999999999999999999:"], &g)
        let version = run(&g, seps: [".", "_", "+", "~", "^", "~~", "^^", "%"], words: ["a", "B", "rc", "git", "el"])
        let release =
            Bool.random(using: &g) ? "" : "-" + run(&g, seps: [".", "~", "^", "_"], words: ["el", "fc", "module+el"])
        return epoch + version + release
    }

    static func apk(_ g: inout SplitMix64) -> String {
        var s = digits(&g)
        for _ in 0..<Int.random(in: 0...3, using: &g) { s += "." + digits(&g) }
        if Int.random(in: 0..<4, using: &g) == 0 { s += pick(["a", "b", "z"], &g) }
        for _ in 0..<Int.random(in: 0...2, using: &g) {
            s += "_" + pick(["alpha", "beta", "pre", "rc", "cvs", "svn", "git", "hg", "p"], &g)
            if Bool.random(using: &g) { s += digits(&g) }
        }
        if Int.random(in: 0..<5, using: &g) == 0 { s += "~" + pick(["abc123", "0f", "deadbeef"], &g) }
        if Bool.random(using: &g) { s += "-r" + digits(&g) }
        return s
    }

    static func semver(_ g: inout SplitMix64) -> String {
        func n(_ g: inout SplitMix64) -> String { String(Int.random(in: 0...3, using: &g)) }
        var s = "\(n(&g)).\(n(&g)).\(n(&g))"
        if Bool.random(using: &g) {
            s +=
                "-"
                + (0..<Int.random(in: 1...3, using: &g)).map { _ in
                    pick(["alpha", "beta", "rc", "0", "1", "11", "2", "a-b", "x"], &g)
                }
                .joined(separator: ".")
        }
        if Int.random(in: 0..<4, using: &g) == 0 { s += "+" + pick(["build.1", "sha.abc", "001"], &g) }
        return s
    }
}

@Suite struct OrderPropertyTests {
    /// parse(format(v)) == v, compare is antisymmetric, and sorting yields a consistent total order
    /// (checked on every pair of the sorted list, which catches intransitivity).
    func checkTotalOrder<V: Comparable & Hashable & CustomStringConvertible>(
        _ values: [V],
        reparse: (String) throws -> V
    ) throws {
        for v in values {
            let again = try reparse(v.description)
            #expect(again == v, "parse(format(\(v))) == v")
            #expect(again.description == v.description)
            #expect(again.hashValue == v.hashValue)
        }
        let sorted = values.sorted()
        for i in sorted.indices {
            for j in sorted.indices where j > i {
                let a = sorted[i]
                let b = sorted[j]
                if b < a { Issue.record("not transitive: \(a) before \(b) but \(b) < \(a)") }
                if a < b && b < a { Issue.record("not antisymmetric: \(a), \(b)") }
                if a == b && a.hashValue != b.hashValue { Issue.record("hash differs for equal \(a), \(b)") }
                if a == b && (a < b || b < a) { Issue.record("== and < disagree for \(a), \(b)") }
            }
        }
    }

    @Test(arguments: 1...4)
    func debian(seed: Int) throws {
        var g = SplitMix64(state: UInt64(seed))
        let values = (0..<400).compactMap { _ in try? DebianVersion(parsing: Generate.deb(&g)) }
        #expect(values.count > 150)
        try checkTotalOrder(values) { try DebianVersion(parsing: $0) }
    }

    @Test(arguments: 1...4)
    func rpm(seed: Int) throws {
        var g = SplitMix64(state: UInt64(seed))
        let values = (0..<400).compactMap { _ in try? RPMVersion(parsing: Generate.rpm(&g)) }
        #expect(values.count > 350)
        try checkTotalOrder(values) { try RPMVersion(parsing: $0) }
    }

    @Test(arguments: 1...4)
    func alpine(seed: Int) throws {
        var g = SplitMix64(state: UInt64(seed))
        let values = (0..<400).compactMap { _ in try? AlpineVersion(parsing: Generate.apk(&g)) }
        #expect(values.count > 350)
        try checkTotalOrder(values) { try AlpineVersion(parsing: $0) }
    }

    @Test(arguments: 1...4)
    func semver(seed: Int) throws {
        var g = SplitMix64(state: UInt64(seed))
        let values = (0..<400).compactMap { _ in try? SemanticVersion(parsing: Generate.semver(&g)) }
        #expect(values.count == 400)
        try checkTotalOrder(values) { try SemanticVersion(parsing: $0) }
    }

    @Test func missingEpochRuleIsExplicit() throws {
        let withEpoch = try RPMVersion(parsing: "1:2.0-1")
        let without = try RPMVersion(parsing: "2.0-1")
        let zero = try RPMVersion(parsing: "0:2.0-1")
        // rpm: a missing epoch is 0.
        #expect(without.compare(to: zero) == .equal)
        #expect(without.compare(to: withEpoch) == .less)
        #expect(without.compare(to: withEpoch, missingEpoch: .zero) == .less)
        // A matcher that cannot assume 0 gets "unknown".
        #expect(without.compare(to: withEpoch, missingEpoch: .unknown) == nil)
        #expect(without.compare(to: zero, missingEpoch: .unknown) == nil)
        #expect(withEpoch.compare(to: zero, missingEpoch: .unknown) == .greater)
        #expect(without.compare(to: try RPMVersion(parsing: "2.0-2"), missingEpoch: .unknown) == .less)
        // Missing release sorts below any release (rpm.labelCompare).
        #expect(try RPMVersion(parsing: "1.0") < RPMVersion(parsing: "1.0-"))
        #expect(try RPMVersion(epoch: "1", version: "2.0", release: "1") == withEpoch)
        #expect(withEpoch.numericEpoch == 1 && without.numericEpoch == 0 && without.epoch == nil)
    }

    @Test func debianSpecifics() throws {
        let v = try DebianVersion(parsing: " 1:2.30-1+b1 ")
        #expect(v.epoch == 1 && v.upstreamVersion == "2.30" && v.revision == "1+b1" && v.description == "1:2.30-1+b1")
        #expect(
            try DebianVersion(parsing: "1.0.0+git20191002222144") > DebianVersion(parsing: "1.0.0+git20191002222143")
        )
        #expect(try DebianVersion(parsing: "1.0+dfsg-1+b1") > DebianVersion(parsing: "1.0+dfsg-1"))
        #expect(try DebianVersion(parsing: "2.0~rc1") < DebianVersion(parsing: "2.0"))
        #expect(
            Set([
                try DebianVersion(parsing: "1.0"), try DebianVersion(parsing: "1.00-0"),
                try DebianVersion(parsing: "0:1.0"),
            ]).count == 1
        )
        #expect(DebianVersion.isValid("foo5.2", validation: .lenient))
        #expect(!DebianVersion.isValid("foo5.2"))
        do {
            _ = try DebianVersion(parsing: "1:2.0@x")
            Issue.record("expected an error")
        } catch {
            #expect(error.reason == "invalid character in version number" && error.position == 5)
            #expect(error.description == "'1:2.0@x': invalid character in version number (at offset 5)")
        }
    }
}

@Suite struct ParserFuzzTests {
    /// Random inputs (biased towards each grammar's alphabet, plus arbitrary Unicode and control
    /// bytes) through every parser and comparator: nothing may crash or hang. The long-running
    /// variant is `Benchmarks/versions/fuzz.sh`.
    static func randomInput(_ g: inout SplitMix64) -> String {
        let alphabets: [[Character]] = [
            Array("0123456789.:-+~^_ab rRvV*|<>=!%@/?#&"), Array("0123456789"), Array("\u{0}\t\n\r\u{7f}é€😀\u{301}"),
        ]
        let length = Int.random(in: 0...40, using: &g)
        return String(
            (0..<length).map { _ in
                let a = alphabets[Int.random(in: 0..<10, using: &g) < 8 ? 0 : Int.random(in: 1...2, using: &g)]
                return a.randomElement(using: &g)!
            }
        )
    }

    @Test(arguments: 1...4)
    func parsersNeverCrash(seed: Int) {
        var g = SplitMix64(state: UInt64(seed) &* 7919)
        for _ in 0..<5_000 {
            let a = Self.randomInput(&g)
            let b = Self.randomInput(&g)
            _ = try? DebianVersion.compare(a, b)
            _ = try? DebianVersion.compare(a, b, validation: .lenient)
            _ = try? RPMVersion.compare(a, b)
            _ = RPMVersion.rpmvercmp(a, b)
            _ = AlpineVersion.compare(a, b)
            _ = AlpineVersion.fuzzyMatches(a, b)
            _ = (try? AlpineVersion(parsing: a))?.hashValue
            _ = try? SemanticVersion.compare(a, b, loose: true)
            _ = try? NPMRange(parsing: a)
            _ = try? VersRange(parsing: "vers:deb/" + a)
            _ = try? VersRange(parsing: "vers:rpm/" + a)
            _ = try? PackageURL(parsing: "pkg:deb/" + a)
            _ = try? PackageURL(parsing: a)
        }
    }

    @Test func longInputs() throws {
        let long = String(repeating: "9", count: 100_000)
        #expect(try DebianVersion(parsing: long) < DebianVersion(parsing: long + "0"))
        #expect(try RPMVersion(parsing: long + "~") < RPMVersion(parsing: long))
        #expect(AlpineVersion.isValid(long + "-r" + long))
        #expect(try DebianVersion(parsing: String(repeating: "1a", count: 50_000)).description.utf8.count == 100_000)
    }
}
