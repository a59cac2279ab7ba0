import Testing

@testable import SecurityAdvisories

@Suite struct CVSSv2Tests {
    struct Case: Sendable, CustomTestStringConvertible {
        var vector: String
        var base: Double
        var temporal: Double?
        var environmental: Double?
        var testDescription: String { vector }
    }

    // The worked examples of "A Complete Guide to the CVSS Version 2.0", section 3.3.
    static let cases: [Case] = [
        // CVE-2002-0392 (Apache chunked encoding).
        .init(
            vector: "AV:N/AC:L/Au:N/C:N/I:N/A:C/E:F/RL:OF/RC:C/CDP:H/TD:H/CR:M/IR:M/AR:H",
            base: 7.8,
            temporal: 6.4,
            environmental: 9.2
        ),
        // CVE-2003-0818 (Microsoft ASN.1).
        .init(
            vector: "AV:N/AC:L/Au:N/C:C/I:C/A:C/E:F/RL:OF/RC:C/CDP:H/TD:H/CR:M/IR:M/AR:L",
            base: 10.0,
            temporal: 8.3,
            environmental: 9.0
        ),
        // CVE-2003-0062 (NOD32 buffer overflow).
        .init(
            vector: "AV:L/AC:H/Au:N/C:C/I:C/A:C/E:POC/RL:OF/RC:C/CDP:H/TD:H/CR:M/IR:M/AR:M",
            base: 6.2,
            temporal: 4.9,
            environmental: 7.5
        ),
        .init(vector: "AV:N/AC:L/Au:N/C:P/I:P/A:P", base: 7.5, temporal: nil, environmental: nil),
        .init(vector: "AV:L/AC:H/Au:M/C:N/I:N/A:N", base: 0.0, temporal: nil, environmental: nil),
        .init(vector: "AV:N/AC:L/Au:N/C:P/I:P/A:P/E:F", base: 7.5, temporal: 7.1, environmental: nil),
        .init(vector: "AV:N/AC:L/Au:N/C:P/I:P/A:P/E:ND/RL:ND/RC:ND", base: 7.5, temporal: nil, environmental: nil),
    ]

    @Test(arguments: cases)
    func scores(_ example: Case) throws {
        let score = try CVSS.parse(example.vector)
        #expect(score.version == .v2_0)
        #expect(score.baseScore == example.base)
        #expect(score.temporalScore == example.temporal)
        #expect(score.environmentalScore == example.environmental)
    }

    @Test func ratingsUseNVDsV2Bands() throws {
        #expect(try CVSS.parse("AV:N/AC:L/Au:N/C:C/I:C/A:C").baseSeverity == .high)
        #expect(try CVSS.parse("AV:N/AC:L/Au:N/C:P/I:N/A:N").baseSeverity == .medium)
        // v2 has no "none" rating: 0.0 is low.
        #expect(try CVSS.parse("AV:L/AC:H/Au:M/C:N/I:N/A:N").baseSeverity == .low)
        #expect(CVSSScore.v2Severity(3.9) == .low)
        #expect(CVSSScore.v2Severity(4.0) == .medium)
        #expect(CVSSScore.v2Severity(6.9) == .medium)
        #expect(CVSSScore.v2Severity(7.0) == .high)
    }
}
