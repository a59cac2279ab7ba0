import PackageVersions
import Testing

/// The allocation-free string comparisons (`RPMVersion.compare(_:_:)`,
/// `DebianVersion.compare(_:_:validation:)`, `RPMVersion.rpmvercmp(_:_:)`) against the parsed
/// (order-key) comparison: same ordering, same errors, on every reference vector and on seeded
/// random near-equal pairs.
@Suite struct StringCompareTests {
    /// An ordering or an error, spelled so that two outcomes can be compared and printed.
    static func outcome(_ body: () throws(PackageVersionsError) -> VersionOrdering) -> String {
        do {
            return try body().description
        } catch {
            return "error \(error.code) at \(error.position.map(String.init) ?? "-"): \(error.reason)"
        }
    }

    static func rpmParsed(_ a: String, _ b: String) -> String {
        outcome { () throws(PackageVersionsError) in try RPMVersion(parsing: a).compare(to: RPMVersion(parsing: b)) }
    }

    static func rpmDirect(_ a: String, _ b: String) -> String {
        outcome { () throws(PackageVersionsError) in try RPMVersion.compare(a, b) }
    }

    static func debParsed(_ a: String, _ b: String, _ v: DebianVersion.Validation) -> String {
        outcome { () throws(PackageVersionsError) in
            try DebianVersion(parsing: a, validation: v).compare(to: DebianVersion(parsing: b, validation: v))
        }
    }

    static func debDirect(_ a: String, _ b: String, _ v: DebianVersion.Validation) -> String {
        outcome { () throws(PackageVersionsError) in try DebianVersion.compare(a, b, validation: v) }
    }

    /// `rpmvercmp(a, b)` through the parsed path: `0:` keeps a leading digit run from becoming an
    /// epoch; only hyphen-free strings qualify (a hyphen would split off a release).
    static func rpmvercmpParsed(_ a: String, _ b: String) -> VersionOrdering? {
        guard !a.utf8.contains(0x2D), !b.utf8.contains(0x2D) else { return nil }
        guard let x = try? RPMVersion(parsing: "0:" + a), let y = try? RPMVersion(parsing: "0:" + b) else { return nil }
        return x.compare(to: y)
    }

    static func checkRPM(_ a: String, _ b: String) -> Bool {
        for (x, y) in [(a, b), (b, a)] {
            let direct = rpmDirect(x, y)
            let parsed = rpmParsed(x, y)
            if direct != parsed {
                Issue.record("rpm '\(x)' vs '\(y)': string path \(direct), parsed \(parsed)")
                return false
            }
            if let expected = rpmvercmpParsed(x, y), RPMVersion.rpmvercmp(x, y) != expected {
                Issue.record("rpmvercmp '\(x)' vs '\(y)': \(RPMVersion.rpmvercmp(x, y)), parsed \(expected)")
                return false
            }
        }
        return true
    }

    static func checkDebian(_ a: String, _ b: String) -> Bool {
        for (x, y) in [(a, b), (b, a)] {
            for validation in [DebianVersion.Validation.strict, .lenient] {
                let direct = debDirect(x, y, validation)
                let parsed = debParsed(x, y, validation)
                if direct != parsed {
                    Issue.record("deb \(validation) '\(x)' vs '\(y)': string path \(direct), parsed \(parsed)")
                    return false
                }
            }
        }
        return true
    }

    @Test func rpmReferenceVectors() {
        let cases = Fixture.vectors("rpm.tsv") + Fixture.vectors("redhat-extra.tsv")
        #expect(cases.count == 91 + 165)
        for c in cases { _ = Self.checkRPM(c.lhs, c.rhs) }
        // The EVR corpus also has expected answers for the string path itself.
        for c in Fixture.vectors("redhat-extra.tsv") {
            #expect(Self.rpmDirect(c.lhs, c.rhs) == c.expected?.description, "\(c)")
        }
    }

    @Test func debianReferenceVectors() {
        let cases = Fixture.vectors("dpkg.tsv")
        #expect(cases.count == 47)
        for c in cases {
            _ = Self.checkDebian(c.lhs, c.rhs)
            if !c.context.hasPrefix("# INVALID") {
                #expect(Self.debDirect(c.lhs, c.rhs, .strict) == c.expected?.description, "\(c)")
            }
        }
    }

    @Test func edgeCases() {
        let rpm = [
            "", "\u{0}", "1\u{0}", "1.0-\u{0}", "\u{0}-\u{0}", "-", ":", "1:", ":1", "-1", "1-", "1--", "a:1", "1:2:3",
            "00:1", "0:1", "1", "1.0", "1.0-", "1.0-0", "1~", "1^", "1~^", "1^~", "1.é", "1é", "é", "~", "^",
            String(repeating: "0", count: 300) + "1", String(repeating: "9", count: 300), "99999999999999999999:1",
        ]
        for a in rpm { for b in rpm { #expect(Self.checkRPM(a, b)) } }
        let deb = [
            "", " ", " 1.0 ", "1.0 a", "\t1:1\t", "1.0\u{0}", "-1", ":1", "1:", "1:-1", "1.0-", "a1.0", "1.0@1",
            "-1:1", "+1:1", "\n1:1", "2147483648:1", "2147483647:1", "00:1", "1.0-0", "1.0", "1.00", "1~", "1~~", "1é",
            "1.0-1-1", "1:1:1", String(repeating: "0", count: 300) + "1", String(repeating: "9", count: 300),
        ]
        for a in deb { for b in deb { #expect(Self.checkDebian(a, b)) } }
    }

    @Test(arguments: 1...4)
    func rpmRandomPairs(seed: Int) {
        var g = SplitMix64(state: 0x5EED_0000 &+ UInt64(seed))
        var checked = 0
        for _ in 0..<55_000 {
            let (a, b) = NearPairs.pair(&g, NearPairs.rpm, alphabet: NearPairs.rpmAlphabet)
            if !Self.checkRPM(a, b) { break }
            checked += 1
        }
        #expect(checked == 55_000)
    }

    @Test(arguments: 1...4)
    func debianRandomPairs(seed: Int) {
        var g = SplitMix64(state: 0xDEB0_0000 &+ UInt64(seed))
        var checked = 0
        for _ in 0..<55_000 {
            let (a, b) = NearPairs.pair(&g, NearPairs.deb, alphabet: NearPairs.debAlphabet)
            if !Self.checkDebian(a, b) { break }
            checked += 1
        }
        #expect(checked == 55_000)
    }
}

/// Seeded pairs of versions, mostly near each other (the comparisons that exercise every rule).
enum NearPairs {
    static let rpmAlphabet = Array("0123456789._+-~^:abzABZ%é")
    static let debAlphabet = Array("0123456789.+-~:abzABZ@ é")

    static func pick<T>(_ items: [T], _ g: inout SplitMix64) -> T { items.randomElement(using: &g)! }

    static func digits(_ g: inout SplitMix64) -> String {
        switch Int.random(in: 0..<20, using: &g) {
        case 0..<10: String(Int.random(in: 0...12, using: &g))
        case 10..<13:
            String(repeating: "0", count: Int.random(in: 1...3, using: &g)) + String(Int.random(in: 0...99, using: &g))
        case 13..<16: String(Int.random(in: 0...999_999_999, using: &g))
        case 16..<18: String((0..<Int.random(in: 10...40, using: &g)).map { _ in pick(Array("0123456789"), &g) })
        case 18: "2019100222214" + String(Int.random(in: 0...9, using: &g))
        default: pick(["9223372036854775807", "9223372036854775808", "18446744073709551616", "4294967296"], &g)
        }
    }

    static func body(_ g: inout SplitMix64, seps: [String], words: [String]) -> String {
        var s = Int.random(in: 0..<10, using: &g) == 0 ? pick(words, &g) : digits(&g)
        for _ in 0..<Int.random(in: 0...6, using: &g) {
            switch Int.random(in: 0..<20, using: &g) {
            case 0..<9: s += digits(&g)
            case 9..<13: s += pick(words, &g)
            default: s += pick(seps, &g)
            }
        }
        return s
    }

    static func rpm(_ g: inout SplitMix64) -> String {
        if Int.random(in: 0..<50, using: &g) == 0 {
            return pick(["", "-", ":", "1:", ":1", "-1", "1-", "1\u{0}2"], &g)
        }
        let epoch =
            Int.random(in: 0..<5, using: &g) < 3
            ? "" : pick(["0:", "1:", "2:", "00:", "01:", "10:", ":", "99999999999999999999:"], &g)
        let seps = [".", "_", "+", "~", "^", "~~", "^^", "~^", "^~", "%", "é"]
        let words = ["a", "b", "z", "B", "Z", "rc", "git", "el", "fc", "beta", "alpha", "pre", "p"]
        let version = body(&g, seps: seps, words: words)
        let release: String
        switch Int.random(in: 0..<10, using: &g) {
        case 0..<3: release = ""
        case 3..<6: release = "-" + pick(["1", "1.el9", "2.el8_7", "1.fc40", "0.1.rc1.el9", "1~beta", "1^git1"], &g)
        default: release = "-" + body(&g, seps: [".", "~", "^", "_", "+"], words: ["el", "fc", "module+el", "a"])
        }
        return epoch + version + release
    }

    static func deb(_ g: inout SplitMix64) -> String {
        if Int.random(in: 0..<25, using: &g) == 0 {
            return pick(["", " ", "-1", ":1", "1:", "a1.0", "1.0 a", " 1.0", "1.0-", "1:-1", "-1:1", "1.0\u{0}"], &g)
        }
        let epoch =
            Int.random(in: 0..<2, using: &g) == 0
            ? "" : pick(["0:", "1:", "2:", "00:", "10:", "2147483647:", "2147483648:", "-0:", "+1:", " 1:"], &g)
        let upstream = body(
            &g,
            seps: [".", "+", "~", "~~", "-", ":", "+"],
            words: ["a", "b", "Z", "rc", "dfsg", "git"]
        )
        let revision =
            Int.random(in: 0..<3, using: &g) == 0
            ? "" : "-" + body(&g, seps: [".", "+", "~"], words: ["deb", "b", "ubuntu", "bpo", "build"])
        return epoch + upstream + revision
    }

    /// A nearby string: insert, delete or replace a character, add a zero, bump a digit, or append.
    static func mutate(_ v: String, _ alphabet: [Character], _ g: inout SplitMix64) -> String {
        var s = Array(v)
        let i = Int.random(in: 0...s.count, using: &g)
        switch Int.random(in: 0..<8, using: &g) {
        case 0, 1: s.insert(pick(alphabet, &g), at: i)
        case 2 where i < s.count: s.remove(at: i)
        case 3 where i < s.count: s[i] = pick(alphabet, &g)
        case 4: s.insert("0", at: i)
        case 5 where i < s.count && s[i].isASCII && s[i].isNumber:
            s[i] = Character(String((Int(String(s[i]))! + pick([1, 9], &g)) % 10))
        case 6: return v + String(pick(alphabet, &g)) + digits(&g)
        default: return v + pick(["~", "~~", "~rc1", "+b1", ".0", "0", "a", "^", "^git1", "-1", ":", "."], &g)
        }
        return String(s)
    }

    static func pair(
        _ g: inout SplitMix64,
        _ generate: (inout SplitMix64) -> String,
        alphabet: [Character]
    ) -> (String, String) {
        let a = generate(&g)
        let b: String
        switch Int.random(in: 0..<20, using: &g) {
        case 0..<11: b = mutate(a, alphabet, &g)
        case 11..<13: b = mutate(mutate(a, alphabet, &g), alphabet, &g)
        case 13: b = a
        default: b = generate(&g)
        }
        return Bool.random(using: &g) ? (a, b) : (b, a)
    }
}
