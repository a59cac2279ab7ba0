import SecurityAdvisories

/// `GET /api/v1/advisories/{id}`: the advisory and one page of the findings it causes (filtered by
/// the same query parameters as `GET /api/v1/findings`).
public struct AdvisoryView: Codable, Sendable {
    public var advisory: Advisory
    public var findings: FindingPage

    public init(advisory: Advisory, findings: FindingPage) {
        self.advisory = advisory
        self.findings = findings
    }
}
