import PackageVersions
import Testing

@Suite struct DebianReferenceTests {
    static let cases = Fixture.vectors("dpkg.tsv")

    @Test(arguments: cases.filter { !$0.context.hasPrefix("# INVALID") })
    func dpkgOrdering(_ c: VectorCase) throws {
        #expect(Self.cases.count == 47)
        let a = try DebianVersion(parsing: c.lhs)
        let b = try DebianVersion(parsing: c.rhs)
        #expect(a.compare(to: b) == c.expected)
        #expect(b.compare(to: a) == c.expected?.reversed)
    }

    @Test(arguments: cases.filter { $0.context.hasPrefix("# INVALID") })
    func dpkgRejects(_ c: VectorCase) {
        let invalid = [c.lhs, c.rhs].filter { !DebianVersion.isValid($0) }
        #expect(invalid.count == 1, "dpkg rejects exactly one side")
        #expect(throws: PackageVersionsError.self) { try DebianVersion.compare(c.lhs, c.rhs) }
        do {
            _ = try DebianVersion.compare(c.lhs, c.rhs)
        } catch {
            #expect(error.code == .invalidDebianVersion)
            #expect(["revision number is empty", "version number is empty"].contains(error.reason))
        }
    }

    @Test(arguments: ["", "-0", "0:-0", ":1.0", "1.0-", "10a:5.2", "5.2@3-2", "foo5.2", "0:foo5.2"])
    func dpkgTestSuiteInvalidStrings(_ text: String) {
        #expect(!DebianVersion.isValid(text))
    }

    @Test func dpkgTestSuiteSortOrder() throws {
        let sorted = ["0~999.999zeta", "0.0-0.0alpha0", "0:1.0-0", "5.0abc", "10.100.1-1", "4:4-4"]
        let parsed = try sorted.map { try DebianVersion(parsing: $0) }
        #expect(parsed.reversed().sorted() == parsed)
        #expect(parsed.reversed().sorted().map(\.description) == sorted)
    }
}

@Suite struct RPMReferenceTests {
    @Test(arguments: Fixture.vectors("rpm.tsv"))
    func rpmvercmp(_ c: VectorCase) {
        #expect(RPMVersion.rpmvercmp(c.lhs, c.rhs) == c.expected)
        #expect(RPMVersion.rpmvercmp(c.rhs, c.lhs) == c.expected?.reversed)
    }

    @Test func rpmCount() {
        #expect(Fixture.vectors("rpm.tsv").count == 91)
        #expect(Fixture.vectors("redhat-extra.tsv").count == 165)
    }

    @Test(arguments: Fixture.vectors("redhat-extra.tsv"))
    func redHatCorpus(_ c: VectorCase) throws {
        let a = try RPMVersion(parsing: c.lhs)
        let b = try RPMVersion(parsing: c.rhs)
        #expect(a.compare(to: b) == c.expected)
        #expect(b.compare(to: a) == c.expected?.reversed)
    }
}

@Suite struct AlpineReferenceTests {
    @Test func counts() {
        #expect(Fixture.vectors("apk.tsv").count == 738)
        #expect(Fixture.vectors("alpine-extra.tsv").count == 778)
        #expect(Fixture.vectors("apk-fuzzy.tsv").count == 16)
        #expect(Fixture.validity("apk-validity.tsv").count == 31)
    }

    @Test(arguments: Fixture.vectors("apk.tsv"))
    func apkVersionData(_ c: VectorCase) {
        #expect(AlpineVersion.compare(c.lhs, c.rhs) == c.expected)
        #expect(AlpineVersion.compare(c.rhs, c.lhs) == c.expected?.reversed)
    }

    @Test(arguments: Fixture.vectors("alpine-extra.tsv"))
    func alpineCorpus(_ c: VectorCase) {
        #expect(AlpineVersion.compare(c.lhs, c.rhs) == c.expected)
        #expect(AlpineVersion.compare(c.rhs, c.lhs) == c.expected?.reversed)
    }

    @Test(arguments: Fixture.validity("apk-validity.tsv"))
    func apkValidity(_ c: ValidityCase) {
        #expect(AlpineVersion.isValid(c.version) == c.valid)
        #expect(((try? AlpineVersion(parsing: c.version)) != nil) == c.valid)
    }

    @Test(arguments: Fixture.vectors("apk-fuzzy.tsv"))
    func apkFuzzy(_ c: VectorCase) {
        let order = AlpineVersion.compare(c.lhs, c.rhs)
        let fuzzy = AlpineVersion.fuzzyMatches(c.lhs, c.rhs)
        switch c.op {
        case "~": #expect(fuzzy)
        case "!~": #expect(!fuzzy)
        case "<~": #expect(fuzzy || order == .less)
        case ">~": #expect(fuzzy || order == .greater)
        default: Issue.record("unknown operator \(c.op)")
        }
    }
}

@Suite struct SemVerReferenceTests {
    @Test(arguments: Fixture.vectors("semver.tsv"))
    func nodeSemverComparisons(_ c: VectorCase) throws {
        let loose = c.context == "# loose"
        let a = try SemanticVersion(parsing: c.lhs, loose: loose)
        let b = try SemanticVersion(parsing: c.rhs, loose: loose)
        #expect(a.compare(to: b) == c.expected)
        #expect(b.compare(to: a) == c.expected?.reversed)
        if !loose {
            #expect(SemanticVersion(c.lhs) != nil && SemanticVersion(c.rhs) != nil)
        }
    }

    @Test func count() { #expect(Fixture.vectors("semver.tsv").count == 31) }
}
