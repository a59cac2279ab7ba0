import Foundation
import PatchAPI
import Testing

/// The answers' JSON as clients, docs/openapi.yaml and the dashboard's scripts rely on it: field
/// names, absent optionals (never `null`) and ISO 8601 dates to the second.
@Suite struct ResponseShapeTests {
    static let at = Date(timeIntervalSince1970: 1_700_000_000)

    static func json(_ value: some Encodable) throws -> String {
        String(decoding: try APIJSON.encoder.encode(value), as: UTF8.self)
    }

    @Test func findingPage() throws {
        let finding = FindingView(
            id: 7,
            hostID: "h1",
            package: "bsdutils",
            architecture: "amd64",
            installedVersion: "1:2.38.1-5",
            sourcePackage: "util-linux",
            sourceVersion: "2.38.1-5",
            advisory: "DSA-5650-1",
            aliases: ["CVE-2024-28085"],
            fixedVersion: "2.38.1-5+deb12u1",
            status: "fixed",
            severity: "high",
            cvssScore: nil,
            epssScore: 0.42,
            epssPercentile: nil,
            knownExploited: true,
            kevDueDate: nil,
            firstSeen: Self.at,
            lastSeen: Self.at,
            fixedAt: nil
        )
        let page = FindingPage(findings: [finding], total: 1, limit: 100, offset: 0)
        #expect(
            try Self.json(page)
                == #"{"findings":[{"advisory":"DSA-5650-1","aliases":["CVE-2024-28085"],"architecture":"amd64","#
                + #""epssScore":0.42,"firstSeen":"2023-11-14T22:13:20Z","fixedVersion":"2.38.1-5+deb12u1","hostID":"h1","#
                + #""id":7,"installedVersion":"1:2.38.1-5","knownExploited":true,"lastSeen":"2023-11-14T22:13:20Z","#
                + #""package":"bsdutils","severity":"high","sourcePackage":"util-linux","sourceVersion":"2.38.1-5","#
                + #""status":"fixed"}],"limit":100,"offset":0,"total":1}"#
        )
        let decoded = try APIJSON.decoder.decode(FindingPage.self, from: Data(try Self.json(page).utf8))
        #expect(decoded.findings.first?.firstSeen == Self.at)
    }

    @Test func complianceReport() throws {
        let row = ComplianceReport.Row(
            hostID: "h1",
            hostname: "db-1",
            groups: ["pci"],
            tier: nil,
            package: "libssl3",
            advisory: "DSA-9000-1",
            severity: "critical",
            knownExploited: false,
            clockStarted: Self.at,
            dueDate: Self.at.addingTimeInterval(86_400),
            state: "overdue",
            met: nil,
            fixedAt: nil
        )
        let report = ComplianceReport(
            framework: "pci-dss-4.0",
            profile: "PCI",
            policyVersion: nil,
            totals: ["overdue": 1],
            byGroup: [ComplianceReport.Bucket(name: "pci", counts: ["overdue": 1])],
            byTier: [],
            rows: [row]
        )
        #expect(
            try Self.json(report)
                == #"{"byGroup":[{"counts":{"overdue":1},"name":"pci"}],"byTier":[],"framework":"pci-dss-4.0","#
                + #""profile":"PCI","rows":[{"advisory":"DSA-9000-1","clockStarted":"2023-11-14T22:13:20Z","#
                + #""dueDate":"2023-11-15T22:13:20Z","groups":["pci"],"hostID":"h1","hostname":"db-1","#
                + #""knownExploited":false,"package":"libssl3","severity":"critical","state":"overdue"}],"#
                + #""totals":{"overdue":1}}"#
        )
    }

    @Test func hostUpdatesAndPolicyAnswers() throws {
        let updates = HostUpdates(
            hostID: "h1",
            baseline: "debian-prod",
            tier: nil,
            environment: nil,
            updates: [
                HostUpdates.Update(
                    package: "libssl3",
                    installedVersion: "3.0.11",
                    fixedVersion: "3.0.15",
                    advisory: "DSA-9100-1",
                    classification: "security",
                    severity: "critical",
                    knownExploited: false,
                    decision: "approved",
                    decidedAt: Self.at,
                    rule: "debian-prod: critical-fast"
                )
            ]
        )
        #expect(
            try Self.json(updates)
                == #"{"baseline":"debian-prod","hostID":"h1","updates":[{"advisory":"DSA-9100-1","#
                + #""classification":"security","decidedAt":"2023-11-14T22:13:20Z","decision":"approved","#
                + #""fixedVersion":"3.0.15","installedVersion":"3.0.11","knownExploited":false,"package":"libssl3","#
                + #""rule":"debian-prod: critical-fast","severity":"critical"}]}"#
        )
        #expect(
            try Self.json(PolicyApplyResult(applied: false, version: nil, changes: ["+ group web"]))
                == #"{"applied":false,"changes":["+ group web"]}"#
        )
        #expect(
            try Self.json(PolicyView(version: nil, appliedAt: nil, actor: nil, reason: nil, files: []))
                == #"{"files":[]}"#
        )
    }

    @Test func historyAndEvents() throws {
        let change = PackageChangeView(
            hostID: "h1",
            at: Self.at,
            kind: .changed,
            name: "hello",
            architecture: "amd64",
            oldVersion: "1.0-1",
            newVersion: "1.1-1",
            oldState: nil,
            newState: nil
        )
        #expect(
            try Self.json(InventoryHistory(changes: [change], total: 7, limit: 100, offset: 0))
                == #"{"changes":[{"architecture":"amd64","at":"2023-11-14T22:13:20Z","hostID":"h1","kind":"changed","#
                + #""name":"hello","newVersion":"1.1-1","oldVersion":"1.0-1"}],"limit":100,"offset":0,"total":7}"#
        )
        let event = EventView(
            id: 3,
            at: Self.at,
            actor: "system",
            action: "plan.reported",
            target: "host:h1",
            details: "{}"
        )
        #expect(
            try Self.json(EventList(events: [event], total: 9, limit: 1, nextBefore: 3))
                == #"{"events":[{"action":"plan.reported","actor":"system","at":"2023-11-14T22:13:20Z","details":"{}","#
                + #""id":3,"target":"host:h1"}],"limit":1,"nextBefore":3,"total":9}"#
        )
        #expect(
            try Self.json(EventList(events: [], total: 0, limit: 100))
                == #"{"events":[],"limit":100,"total":0}"#
        )
    }
}
