import PatchPolicy
import Testing

@Suite struct PatchPolicyErrorTests {
    @Test func descriptionNamesFileLineColumnAndField() {
        let error = PatchPolicyError(
            code: .invalidPolicy,
            source: "policies/prod.yaml",
            line: 12,
            column: 5,
            field: "windows[2].duration",
            message: "expected an ISO 8601 duration such as PT4H, got '4 hours'"
        )
        #expect(
            error.description
                == "policies/prod.yaml:12:5: windows[2].duration: expected an ISO 8601 duration such as PT4H, got '4 hours'"
        )
    }
}
