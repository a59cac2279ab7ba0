import Testing

@testable import SecurityAdvisories

@Suite struct CVSSParsingTests {
    struct Invalid: Sendable, CustomTestStringConvertible {
        var vector: String
        var field: String?
        var message: String
        var testDescription: String { vector.isEmpty ? "(empty)" : vector }
    }

    static let v31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
    static let v40 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
    static let v2 = "AV:N/AC:L/Au:N/C:P/I:P/A:P"

    static let invalid: [Invalid] = [
        // Unknown values.
        .init(vector: "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", field: "AV", message: "unknown value 'X' for AV"),
        .init(vector: v31 + "/E:Q", field: "E", message: "unknown value 'Q' for E"),
        .init(
            vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:S/SA:N",
            field: "SI",
            message: "unknown value 'S' for SI"
        ),
        .init(vector: v40 + "/MSC:S", field: "MSC", message: "unknown value 'S' for MSC"),
        .init(vector: v40 + "/U:red", field: "U", message: "unknown value 'red' for U"),
        .init(vector: "AV:N/AC:L/Au:N/C:P/I:P/A:X", field: "A", message: "unknown value 'X' for A"),
        .init(vector: "CVSS:3.1/AV:n/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", field: "AV", message: "unknown value 'n' for AV"),
        .init(vector: "CVSS:3.1/AV:/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", field: "AV", message: "unknown value '' for AV"),
        // Unknown metrics (including another version's metrics and wrong case).
        .init(vector: v31 + "/AT:N", field: "AT", message: "unknown metric 'AT' for CVSS 3.1"),
        .init(vector: v40 + "/RL:O", field: "RL", message: "unknown metric 'RL' for CVSS 4.0"),
        .init(
            vector: "CVSS:3.1/av:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            field: "av",
            message: "unknown metric 'av' for CVSS 3.1"
        ),
        .init(
            vector: "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            field: "PR",
            message: "unknown metric 'PR' for CVSS 2.0 (CVSS v3 and v4 vectors start with 'CVSS:3.1/' or 'CVSS:4.0/')"
        ),
        // Duplicates.
        .init(vector: v31 + "/AV:N", field: "AV", message: "duplicate metric 'AV'"),
        .init(vector: v31 + "/E:X/E:X", field: "E", message: "duplicate metric 'E'"),
        .init(vector: v2 + "/Au:N", field: "Au", message: "duplicate metric 'Au'"),
        // Missing base metrics.
        .init(
            vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/C:H/I:H/A:H",
            field: "S",
            message: "missing mandatory metric S in CVSS 3.1 vector"
        ),
        .init(
            vector: "CVSS:4.0/AV:N/AC:L/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N",
            field: "AT",
            message: "missing mandatory metrics AT, SA in CVSS 4.0 vector"
        ),
        .init(vector: "AV:N/AC:L/C:P/I:P/A:P", field: "Au", message: "missing mandatory metric Au in CVSS 2.0 vector"),
        // Structure.
        .init(vector: v31 + "/", field: nil, message: "empty metric in CVSS 3.1 vector '\(v31)/' (stray '/')"),
        .init(
            vector: "CVSS:3.1/AV:N//AC:L",
            field: nil,
            message: "empty metric in CVSS 3.1 vector 'CVSS:3.1/AV:N//AC:L' (stray '/')"
        ),
        .init(vector: v31 + "/E", field: "E", message: "malformed metric 'E' (expected NAME:VALUE)"),
        .init(vector: v31 + "/E:P:X", field: "E", message: "malformed metric 'E:P:X' (expected NAME:VALUE)"),
        .init(vector: v31 + "/:P", field: "", message: "malformed metric ':P' (expected NAME:VALUE)"),
        .init(vector: "", field: nil, message: "empty CVSS vector"),
        // Prefixes.
        .init(
            vector: "CVSS:3.2/AV:N",
            field: "CVSS",
            message: "unsupported CVSS version '3.2' (expected 3.0, 3.1 or 4.0)"
        ),
        .init(
            vector: "CVSS:2.0/" + v2,
            field: "CVSS",
            message: "unsupported CVSS version '2.0' (expected 3.0, 3.1 or 4.0)"
        ),
        .init(vector: "CVSS:3.1", field: "CVSS", message: "no metrics after 'CVSS:3.1' in vector 'CVSS:3.1'"),
        .init(vector: "CVSS:3.1/", field: "CVSS", message: "no metrics after 'CVSS:3.1' in vector 'CVSS:3.1/'"),
        .init(
            vector: "cvss:3.1/AV:N",
            field: "cvss",
            message: "unknown metric 'cvss' for CVSS 2.0 (CVSS v3 and v4 vectors start with 'CVSS:3.1/' or 'CVSS:4.0/')"
        ),
    ]

    @Test(arguments: invalid)
    func invalidVectorsThrowNamingTheMetric(_ example: Invalid) {
        #expect {
            _ = try CVSS.parse(example.vector, source: "feed.json", record: "CVE-2024-0001")
        } throws: { error in
            guard let error = error as? SecurityAdvisoriesError else { return false }
            return error.code == .invalidVector && error.field == example.field && error.message == example.message
                && error.source == "feed.json" && error.record == "CVE-2024-0001"
        }
    }

    @Test func errorDescriptionNamesTheMetric() {
        do {
            _ = try CVSS.parse("CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "-: field AV: unknown value 'X' for AV")
        }
    }

    @Test func versionComesFromThePrefix() {
        #expect(CVSS.version(of: Self.v31) == .v3_1)
        #expect(CVSS.version(of: "CVSS:3.0/AV:N") == .v3_0)
        #expect(CVSS.version(of: Self.v40) == .v4_0)
        #expect(CVSS.version(of: Self.v2) == .v2_0)
        #expect(CVSS.version(of: "CVSS:9.9/AV:N") == nil)
    }

    @Test func metricsAreKeptAsGiven() throws {
        let score = try CVSS.parse(Self.v40 + "/E:A/U:Amber")
        #expect(score.metric("AV") == "N")
        #expect(score.metric("U") == "Amber")
        #expect(score.metric("CR") == nil)
        #expect(score.metrics.count == 13)
        #expect(score.vectorString == Self.v40 + "/E:A/U:Amber")
    }
}
