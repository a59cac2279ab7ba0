import FleetModel
import Testing

@Suite struct DpkgStatusParserTests {
    private func parseTraps(includesNotInstalled: Bool = false) throws -> [InstalledPackage] {
        let parser = DpkgStatusParser(sourceName: "debian12-traps.status", includesNotInstalled: includesNotInstalled)
        return try parser.parse(Fixtures.text("debian12-traps.status"))
    }

    private func package(
        _ name: String,
        _ architecture: String,
        in packages: [InstalledPackage]
    ) throws
        -> InstalledPackage
    {
        try #require(packages.first { $0.name == name && $0.architecture == architecture })
    }

    struct SourceCase: Sendable, CustomTestStringConvertible {
        var name: String
        var architecture: String
        var version: String
        var sourceName: String
        var sourceVersion: String
        var testDescription: String { "\(name) \(version) from \(sourceName) \(sourceVersion)" }
    }

    @Test(arguments: [
        // Epoch on the binary, none on the source.
        SourceCase(
            name: "bsdutils",
            architecture: "amd64",
            version: "1:2.38.1-5+deb12u3",
            sourceName: "util-linux",
            sourceVersion: "2.38.1-5+deb12u3"
        ),
        // A source with an unrelated version.
        SourceCase(
            name: "cpp",
            architecture: "amd64",
            version: "4:12.2.0-3",
            sourceName: "gcc-defaults",
            sourceVersion: "1.203"
        ),
        // A binNMU: the binary carries +b8, the source does not.
        SourceCase(
            name: "bash",
            architecture: "amd64",
            version: "5.2.15-2+b8",
            sourceName: "bash",
            sourceVersion: "5.2.15-2"
        ),
        // Source without parentheses: the source version is the binary version, epoch included.
        SourceCase(
            name: "login",
            architecture: "amd64",
            version: "1:4.13+dfsg1-1+deb12u1",
            sourceName: "shadow",
            sourceVersion: "1:4.13+dfsg1-1+deb12u1"
        ),
        SourceCase(
            name: "libc6",
            architecture: "amd64",
            version: "2.36-9+deb12u14",
            sourceName: "glibc",
            sourceVersion: "2.36-9+deb12u14"
        ),
        // No Source field: the source is the binary itself.
        SourceCase(
            name: "man-db",
            architecture: "amd64",
            version: "2.11.2-2",
            sourceName: "man-db",
            sourceVersion: "2.11.2-2"
        ),
    ])
    func derivesSourcePackages(_ expected: SourceCase) throws {
        let found = try package(expected.name, expected.architecture, in: parseTraps())
        #expect(found.version == expected.version)
        #expect(found.sourceName == expected.sourceName)
        #expect(found.sourceVersion == expected.sourceVersion)
        #expect(found.manager == .dpkg)
    }

    @Test func keepsEachArchitectureOfAMultiArchPackage() throws {
        let libc = try parseTraps().filter { $0.name == "libc6" }
        #expect(libc.map(\.architecture).sorted() == ["amd64", "i386"])
        #expect(Set(libc.map(\.version)) == ["2.36-9+deb12u14"])
        #expect(Set(libc.map(\.key)).count == 2)
    }

    @Test(arguments: [
        ("tzdata", "all", PackageState.halfInstalled),
        ("libgcc-s1", "i386", .unpacked),
        ("man-db", "amd64", .triggersPending),
        ("openssh-server", "amd64", .halfConfigured),
        ("linux-image-6.1.0-17-amd64", "amd64", .configFiles),
        ("bash", "amd64", .installed),
    ])
    func keepsEveryStateButNotInstalled(name: String, architecture: String, state: PackageState) throws {
        let found = try package(name, architecture, in: parseTraps())
        #expect(found.state == state)
    }

    @Test func configFilesEntryMayLackVersionAndArchitecture() throws {
        let oldconf = try #require(try parseTraps().first { $0.name == "oldconf" })
        #expect(oldconf.state == .configFiles)
        #expect(oldconf.version == "")
        #expect(oldconf.architecture == "")
        #expect(oldconf.sourceName == "oldconf")
    }

    @Test func dropsNotInstalledUnlessAsked() throws {
        #expect(try parseTraps().contains { $0.name == "removed-package" } == false)
        let kept = try #require(try parseTraps(includesNotInstalled: true).first { $0.name == "removed-package" })
        #expect(kept.state == .notInstalled)
        #expect(try parseTraps().count == 12)
        #expect(try parseTraps(includesNotInstalled: true).count == 13)
    }

    @Test func skipsContinuationLinesAndOtherFields() throws {
        let text = """
            Package: demo
            Status: install ok installed
            Description: first line
             Version: 9.9 is not a field here, it continues Description
             .
            \tTabbed continuation
            Version: 1.0-1
            Architecture: all
            """
        let packages = try DpkgStatusParser().parse(text)
        #expect(packages == [InstalledPackage(name: "demo", architecture: "all", version: "1.0-1", manager: .dpkg)])
    }

    @Test func acceptsCRLFBlankLinesWithSpacesAndCaseInsensitiveFields() throws {
        let text =
            "package: a\r\nSTATUS: install ok installed\r\nversion: 1\r\n  \r\n\r\nPackage: b\nStatus: hold ok installed\nVersion: 2\n"
        let packages = try DpkgStatusParser().parse(text)
        #expect(packages.map(\.name) == ["a", "b"])
        #expect(packages.map(\.version) == ["1", "2"])
    }

    @Test func parsesBytesAndStringsAlike() throws {
        let text = try Fixtures.text("debian12-traps.status")
        #expect(try DpkgStatusParser().parse(bytes: Array(text.utf8)) == DpkgStatusParser().parse(text))
        #expect(try DpkgStatusParser().parse("").isEmpty)
        #expect(try DpkgStatusParser().parse("\n\n\n").isEmpty)
    }

    @Test func malformedLineIsReportedWithItsNumber() throws {
        let text = try Fixtures.text("malformed.status")
        let error = #expect(throws: FleetModelError.self) {
            try DpkgStatusParser(sourceName: "malformed.status").parse(text)
        }
        #expect(error?.code == .malformedRecord)
        #expect(error?.line == 22)
        #expect(error?.source == "malformed.status")
        #expect(
            error?.description.hasPrefix("malformed.status:22: expected 'Field: value', found 'Version 1.0-1'") == true
        )
    }

    struct BadInput: Sendable, CustomTestStringConvertible {
        var text: String
        var code: FleetModelError.Code
        var line: Int
        var testDescription: String { text.debugDescription }
    }

    @Test(arguments: [
        BadInput(text: " leading continuation\n", code: .malformedRecord, line: 1),
        BadInput(text: "Package: a\nVersion: 1\n", code: .missingField, line: 1),
        BadInput(text: "Status: install ok installed\nVersion: 1\n", code: .missingField, line: 1),
        BadInput(text: "Package: a\nStatus: install ok\nVersion: 1\n", code: .invalidValue, line: 2),
        BadInput(text: "Package: a\nStatus: install ok exploded\nVersion: 1\n", code: .invalidValue, line: 2),
        BadInput(text: "\nPackage: a\nStatus: install ok installed\n", code: .missingField, line: 2),
        BadInput(
            text: "Package: a\nStatus: install ok installed\nVersion: 1\nSource: b (1.0\n",
            code: .invalidValue,
            line: 4
        ),
        BadInput(
            text: "Package: a\nStatus: install ok installed\nVersion: 1\nSource: b c\n",
            code: .invalidValue,
            line: 4
        ),
        BadInput(
            text: "Package: a\nStatus: install ok installed\nVersion: 1\n: no name\n",
            code: .malformedRecord,
            line: 4
        ),
    ])
    func rejectsInvalidRecords(_ input: BadInput) {
        let error = #expect(throws: FleetModelError.self) {
            try DpkgStatusParser(sourceName: "input").parse(input.text)
        }
        #expect(error?.code == input.code)
        #expect(error?.line == input.line)
        #expect(error?.source == "input")
    }
}
