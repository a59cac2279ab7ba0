import FleetModel
import Testing

@Suite struct RPMQueryParserTests {
    private func parseRocky(includesPublicKeys: Bool = false) throws -> [InstalledPackage] {
        try RPMQueryParser(includesPublicKeys: includesPublicKeys).parse(Fixtures.text("rpm/rocky-9.query"))
    }

    @Test func queryFormatUsesTabsAndOneLinePerPackage() {
        #expect(
            RPMQueryParser.queryFormat == "%{EPOCH}\\t%{NAME}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\t%{SOURCERPM}\\n"
        )
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var architecture: String
        var version: String
        var sourceName: String
        var sourceVersion: String
        var testDescription: String { "\(name).\(architecture)" }
    }

    @Test(arguments: [
        Case(
            name: "bash",
            architecture: "x86_64",
            version: "5.1.8-9.el9",
            sourceName: "bash",
            sourceVersion: "5.1.8-9.el9"
        ),
        Case(
            name: "openssl-libs",
            architecture: "x86_64",
            version: "1:3.0.7-27.el9",
            sourceName: "openssl",
            sourceVersion: "3.0.7-27.el9"
        ),
        Case(
            name: "glibc",
            architecture: "i686",
            version: "2.34-100.el9",
            sourceName: "glibc",
            sourceVersion: "2.34-100.el9"
        ),
        Case(
            name: "perl-libs",
            architecture: "x86_64",
            version: "4:5.32.1-481.el9",
            sourceName: "perl",
            sourceVersion: "5.32.1-481.el9"
        ),
        // An explicit epoch 0 is kept: the version is printed as rpm records it.
        Case(
            name: "perl-Errno",
            architecture: "x86_64",
            version: "0:1.30-481.el9",
            sourceName: "perl",
            sourceVersion: "5.32.1-481.el9"
        ),
        Case(
            name: "python3-dnf-plugin-versionlock",
            architecture: "noarch",
            version: "4.3.0-13.el9",
            sourceName: "dnf-plugins-core",
            sourceVersion: "4.3.0-13.el9"
        ),
    ])
    func parsesVersionsAndSources(_ expected: Case) throws {
        let found = try #require(
            try parseRocky().first { $0.name == expected.name && $0.architecture == expected.architecture }
        )
        #expect(found.version == expected.version)
        #expect(found.sourceName == expected.sourceName)
        #expect(found.sourceVersion == expected.sourceVersion)
        #expect(found.state == .installed)
        #expect(found.manager == .rpm)
    }

    @Test func keepsSeveralVersionsAndArchitectures() throws {
        let packages = try parseRocky()
        #expect(
            packages.filter { $0.name == "kernel-core" }.map(\.version) == [
                "5.14.0-427.13.1.el9_4", "5.14.0-362.8.1.el9_3",
            ]
        )
        #expect(packages.filter { $0.name == "glibc" }.map(\.architecture) == ["i686", "x86_64"])
    }

    @Test func publicKeysAreDroppedUnlessAsked() throws {
        #expect(try parseRocky().contains { $0.name == "gpg-pubkey" } == false)
        let key = try #require(try parseRocky(includesPublicKeys: true).first { $0.name == "gpg-pubkey" })
        #expect(key.architecture == "")
        #expect(key.version == "350d275d-6279464b")
        #expect(key.sourceName == "gpg-pubkey")
        #expect(key.sourceVersion == "350d275d-6279464b")
    }

    @Test(arguments: [
        ("bash-5.1.8-9.el9.src.rpm", "bash", "5.1.8-9.el9"),
        ("dnf-plugins-core-4.3.0-13.el9.src.rpm", "dnf-plugins-core", "4.3.0-13.el9"),
        ("kernel-5.14.0-427.13.1.el9_4.src.rpm", "kernel", "5.14.0-427.13.1.el9_4"),
        ("firmware-1-2.nosrc.rpm", "firmware", "1-2"),
    ])
    func splitsSourceRPMNamesFromTheRight(fileName: String, name: String, version: String) throws {
        let split = try #require(RPMQueryParser.splitSourceRPM(fileName))
        #expect(split.name == name)
        #expect(split.version == version)
    }

    @Test(arguments: ["bash.src.rpm", "bash-5.1.8.src.rpm", "bash-5.1.8-9.el9.x86_64.rpm", "-1-2.src.rpm"])
    func rejectsSourceRPMNamesOfAnotherShape(fileName: String) {
        #expect(RPMQueryParser.splitSourceRPM(fileName) == nil)
    }

    @Test(arguments: [
        ("(none)\tbash\t5.1.8\t9.el9\tx86_64\n", FleetModelError.Code.malformedRecord),
        ("x\tbash\t5.1.8\t9.el9\tx86_64\tbash-5.1.8-9.el9.src.rpm\n", .invalidValue),
        ("(none)\t(none)\t5.1.8\t9.el9\tx86_64\tbash-5.1.8-9.el9.src.rpm\n", .missingField),
        ("(none)\tbash\t(none)\t9.el9\tx86_64\tbash-5.1.8-9.el9.src.rpm\n", .missingField),
        ("(none)\tbash\t5.1.8\t9.el9\tx86_64\tbash.src.rpm\n", .invalidValue),
    ])
    func rejectsMalformedLines(line: String, code: FleetModelError.Code) {
        let text = "(none)\tzlib\t1.2.11\t40.el9\tx86_64\tzlib-1.2.11-40.el9.src.rpm\n" + line
        let error = #expect(throws: FleetModelError.self) { try RPMQueryParser(sourceName: "rpm -qa").parse(text) }
        #expect(error?.code == code)
        #expect(error?.line == 2)
        #expect(error?.source == "rpm -qa")
    }

    @Test func ignoresBlankLinesAndCarriageReturns() throws {
        let text = "\n(none)\tzlib\t1.2.11\t40.el9\tx86_64\tzlib-1.2.11-40.el9.src.rpm\r\n\n"
        #expect(try RPMQueryParser().parse(text).map(\.version) == ["1.2.11-40.el9"])
    }
}
