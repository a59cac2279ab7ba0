import ChangeControl
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PatchAPI
import PatchServer
import PatchStore
import Testing

@Suite struct WindowsPageTests {
    static let calendar = """
        BEGIN:VCALENDAR\r
        VERSION:2.0\r
        PRODID:-//PatchPilot//tests//EN\r
        BEGIN:VEVENT\r
        UID:weekly-db@example.net\r
        SUMMARY:Weekly database window\r
        DTSTART;TZID=Europe/Berlin:20260105T220000\r
        DURATION:PT3H\r
        RRULE:FREQ=WEEKLY;BYDAY=TU\r
        END:VEVENT\r
        BEGIN:VEVENT\r
        UID:year-end-freeze@example.net\r
        SUMMARY:Year-end change freeze\r
        CATEGORIES:FREEZE\r
        DTSTART;TZID=Europe/Berlin:20270121T000000\r
        DTEND;TZID=Europe/Berlin:20270123T000000\r
        END:VEVENT\r
        END:VCALENDAR\r

        """

    struct Apply: Encodable {
        var files: [PolicyFile]
        var reason: String
        var dryRun: Bool?
    }

    @Test func theWindowOpenNowIsShownFirst() async throws {
        // Tuesday 2027-01-19, 22:30 in Berlin: the weekly window (22:00–01:00) is open.
        let harness = try await Harness.make(clockStart: Date(timeIntervalSince1970: 1_800_394_200))
        let files = try PolicyAPITests.files("valid") + [PolicyFile(name: "maintenance.ics", text: Self.calendar)]
        try await harness.application().test(.router) { client in
            let response = try await client.execute(
                uri: "/api/v1/policy",
                method: .post,
                headers: harness.bearer(.admin),
                body: ByteBuffer(bytes: try JSONEncoder().encode(Apply(files: files, reason: "windows")))
            )
            #expect(response.status == .ok)
            let page = try await client.execute(
                uri: "/windows?tz=Europe/Berlin",
                method: .get,
                headers: harness.bearer(.viewer)
            )
            let rows = page.text.components(separatedBy: "<tr>").filter { $0.contains("Weekly database window") }
            #expect(rows.first?.contains("2027-01-19 22:00:00") == true, "the open window comes first")
            #expect(rows.first?.contains("open now") == true)
            #expect(rows.dropFirst().allSatisfy { !$0.contains("open now") })
            #expect(rows.count >= 2)
        }
    }

    @Test func calendarsTravelWithThePolicyAndShowOnTheWindowsPage() async throws {
        let harness = try await Harness.make()
        let files = try PolicyAPITests.files("valid") + [PolicyFile(name: "maintenance.ics", text: Self.calendar)]
        try await harness.application().test(.router) { client in
            let response = try await client.execute(
                uri: "/api/v1/policy",
                method: .post,
                headers: harness.bearer(.admin),
                body: ByteBuffer(bytes: try JSONEncoder().encode(Apply(files: files, reason: "windows")))
            )
            #expect(response.status == .ok, "\(response.text)")
            let applied = try response.json(PolicyApplyResult.self)
            #expect(applied.applied)
            #expect(applied.changes.contains("+ calendar maintenance.ics"))

            let page = try await client.execute(
                uri: "/windows?tz=Europe/Berlin",
                method: .get,
                headers: harness.bearer(.viewer)
            )
            #expect(page.status == .ok)
            #expect(page.text.contains("Weekly database window"))
            #expect(page.text.contains("Year-end change freeze"))
            #expect(page.text.contains("22:00"), "window starts are shown in the chosen zone")
            #expect(page.text.contains("Exceptions"))

            let badZone = try await client.execute(
                uri: "/windows?tz=Mars/Olympus",
                method: .get,
                headers: harness.bearer(.viewer)
            )
            #expect(badZone.status == .badRequest)

            var broken = files
            broken[broken.count - 1] = PolicyFile(
                name: "maintenance.ics",
                text: Self.calendar.replacingOccurrences(of: "BYDAY=TU", with: "BYDAY=XX")
            )
            let rejected = try await client.execute(
                uri: "/api/v1/policy",
                method: .post,
                headers: harness.bearer(.admin),
                body: ByteBuffer(bytes: try JSONEncoder().encode(Apply(files: broken, reason: "broken")))
            )
            #expect(rejected.status == .unprocessableContent)
            #expect(rejected.text.contains("maintenance.ics:"))
        }
    }
}
