import FleetModel
import Testing

@Suite struct OSReleaseParserTests {
    @Test(arguments: [
        (
            "os-release/debian-11",
            OSRelease(
                id: "debian",
                versionID: "11",
                versionCodename: "bullseye",
                prettyName: "Debian GNU/Linux 11 (bullseye)"
            )
        ),
        (
            "os-release/debian-12",
            OSRelease(
                id: "debian",
                versionID: "12",
                versionCodename: "bookworm",
                prettyName: "Debian GNU/Linux 12 (bookworm)"
            )
        ),
        (
            "os-release/ubuntu-22.04",
            OSRelease(
                id: "ubuntu",
                versionID: "22.04",
                versionCodename: "jammy",
                prettyName: "Ubuntu 22.04.4 LTS",
                idLike: ["debian"]
            )
        ),
        (
            "os-release/rocky-9",
            OSRelease(
                id: "rocky",
                versionID: "9.4",
                prettyName: "Rocky Linux 9.4 (Blue Onyx)",
                idLike: ["rhel", "centos", "fedora"]
            )
        ),
    ])
    func parsesRealFiles(file: String, expected: OSRelease) throws {
        #expect(try OSReleaseParser(sourceName: file).parse(Fixtures.text(file)) == expected)
    }

    @Test func handlesQuotingEscapesAndComments() throws {
        let fields = try OSReleaseParser().parseFields(Fixtures.text("os-release/quoting"))
        #expect(fields["ID"] == "my-distro")
        #expect(fields["VERSION_ID"] == "1.0")
        #expect(fields["PRETTY_NAME"] == "My \"Quoted\" Distro \\ with $dollar and `tick`")
        #expect(fields["VERSION_CODENAME"] == "plain escaped")
        #expect(fields["NAME"] == "halfsingle")
        #expect(fields["EMPTY"] == "")
        #expect(fields.count == 7)
        let release = try OSReleaseParser().parse(Fixtures.text("os-release/quoting"))
        #expect(release.idLike == ["debian", "ubuntu"])
    }

    @Test func singleQuotesAreLiteralAndOtherBackslashesStay() throws {
        let fields = try OSReleaseParser().parseFields("A='no \\\"escape\\\" here'\nB=\"keep \\n as is\"\n")
        #expect(fields["A"] == "no \\\"escape\\\" here")
        #expect(fields["B"] == "keep \\n as is")
    }

    @Test func missingIDAndPrettyNameTakeTheDefaults() throws {
        let release = try OSReleaseParser().parse("VERSION_ID=3\n")
        #expect(release.id == "linux")
        #expect(release.prettyName == "Linux")
        #expect(release.versionCodename == "")
    }

    @Test(arguments: [
        ("ID=debian\nnot an assignment\n", 2),
        ("ID=\"debian\n", 1),
        ("ID='debian\n", 1),
        ("ID=two words\n", 1),
        ("1ID=x\n", 1),
        ("\n\nBAD-KEY=x\n", 3),
    ])
    func rejectsMalformedLines(text: String, line: Int) {
        let error = #expect(throws: FleetModelError.self) {
            try OSReleaseParser(sourceName: "/etc/os-release").parse(text)
        }
        #expect(error?.code == .malformedRecord)
        #expect(error?.line == line)
        #expect(error?.source == "/etc/os-release")
    }
}
