import Foundation
import Testing

@testable import SecurityAdvisories

@Suite struct CVSSCodableTests {
    private func object(_ vector: String) throws -> [String: Any] {
        let data = try JSONEncoder().encode(try CVSS.parse(vector))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func v31UsesFIRSTSchemaNames() throws {
        let json = try object("CVSS:3.1/AV:A/AC:L/PR:N/UI:R/S:C/C:H/I:L/A:N/E:P/RL:O/RC:C/CR:H/MAV:N/MS:U")
        #expect(json["version"] as? String == "3.1")
        #expect(
            json["vectorString"] as? String
                == "CVSS:3.1/AV:A/AC:L/PR:N/UI:R/S:C/C:H/I:L/A:N/E:P/RL:O/RC:C/CR:H/MAV:N/MS:U"
        )
        #expect(json["attackVector"] as? String == "ADJACENT_NETWORK")
        #expect(json["userInteraction"] as? String == "REQUIRED")
        #expect(json["scope"] as? String == "CHANGED")
        #expect(json["exploitCodeMaturity"] as? String == "PROOF_OF_CONCEPT")
        #expect(json["remediationLevel"] as? String == "OFFICIAL_FIX")
        #expect(json["confidentialityRequirement"] as? String == "HIGH")
        #expect(json["modifiedAttackVector"] as? String == "NETWORK")
        #expect(json["modifiedScope"] as? String == "UNCHANGED")
        #expect(json["integrityRequirement"] == nil)  // only the metrics in the vector
        #expect(json["baseScore"] as? Double == 7.4)
        #expect(json["baseSeverity"] as? String == "HIGH")
        #expect(json["temporalScore"] as? Double == 6.7)
        #expect(json["temporalSeverity"] as? String == "MEDIUM")
        #expect(json["environmentalScore"] as? Double == 7.6)
        #expect(json["environmentalSeverity"] as? String == "HIGH")
        #expect(json["threatScore"] == nil)
    }

    @Test func v40UsesFIRSTSchemaNames() throws {
        let json = try object(
            "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:A/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:P/CR:L/MSI:S/MSC:N"
                + "/S:N/AU:Y/R:I/V:D/RE:M/U:Clear"
        )
        #expect(json["version"] as? String == "4.0")
        #expect(json["attackRequirements"] as? String == "PRESENT")
        #expect(json["userInteraction"] as? String == "ACTIVE")
        #expect(json["vulnConfidentialityImpact"] as? String == "HIGH")
        #expect(json["subIntegrityImpact"] as? String == "NONE")
        #expect(json["exploitMaturity"] as? String == "PROOF_OF_CONCEPT")
        #expect(json["modifiedSubIntegrityImpact"] as? String == "SAFETY")
        #expect(json["modifiedSubConfidentialityImpact"] as? String == "NONE")
        #expect(json["Safety"] as? String == "NEGLIGIBLE")
        #expect(json["Automatable"] as? String == "YES")
        #expect(json["Recovery"] as? String == "IRRECOVERABLE")
        #expect(json["valueDensity"] as? String == "DIFFUSE")
        #expect(json["vulnerabilityResponseEffort"] as? String == "MODERATE")
        #expect(json["providerUrgency"] as? String == "CLEAR")
        #expect(json["baseScore"] is Double)
        #expect(json["threatScore"] is Double)
        #expect(json["threatSeverity"] is String)
        #expect(json["environmentalScore"] as? Double == json["baseScore"] as? Double)
        #expect(json["temporalScore"] == nil)
    }

    @Test func v2HasNoSeverities() throws {
        let json = try object("AV:N/AC:M/Au:S/C:P/I:N/A:N/E:POC/RL:TF/RC:UR/CDP:LM/TD:M/CR:H")
        #expect(json["version"] as? String == "2.0")
        #expect(json["accessVector"] as? String == "NETWORK")
        #expect(json["accessComplexity"] as? String == "MEDIUM")
        #expect(json["authentication"] as? String == "SINGLE")
        #expect(json["exploitability"] as? String == "PROOF_OF_CONCEPT")
        #expect(json["reportConfidence"] as? String == "UNCORROBORATED")
        #expect(json["collateralDamagePotential"] as? String == "LOW_MEDIUM")
        #expect(json["baseScore"] as? Double == 3.5)
        #expect(json["temporalScore"] is Double)
        #expect(json["environmentalScore"] is Double)
        #expect(json["baseSeverity"] == nil)
    }

    @Test(arguments: [
        "AV:N/AC:L/Au:N/C:P/I:P/A:P/E:F",
        "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/MAV:L",
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U/CR:L",
    ])
    func roundTrips(_ vector: String) throws {
        let score = try CVSS.parse(vector)
        let decoded = try JSONDecoder().decode(CVSSScore.self, from: JSONEncoder().encode(score))
        #expect(decoded == score)
    }

    @Test func decodingRejectsABadVectorOrAMismatchedVersion() {
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(CVSSScore.self, from: Data(#"{"vectorString":"CVSS:3.1/AV:Q"}"#.utf8))
        }
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(
                CVSSScore.self,
                from: Data(#"{"version":"3.0","vectorString":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}"#.utf8)
            )
        }
    }

    @Test func negativeZeroIsNeverEncoded() throws {
        let data = try JSONEncoder().encode(try CVSS.parse("AV:L/AC:H/Au:M/C:N/I:N/A:N"))
        #expect(!String(decoding: data, as: UTF8.self).contains("-0"))
    }
}
