import ChangeControl
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PatchStore
import Testing

@testable import PatchServer

/// The policy page: the version in force with its files, a dry run's changes shown before anything
/// is applied, refusals that name the file and line, and an apply that goes through the API route.
@Suite struct PolicyPageTests {
    static func edit(_ files: [PolicyFile], reason: String, csrf: String) -> [(String, String)] {
        var fields: [(String, String)] = [("csrf", csrf)]
        for (index, file) in files.enumerated() {
            fields += [("name.\(index)", file.name), ("text.\(index)", file.text)]
        }
        return fields + [("name.\(files.count)", ""), ("text.\(files.count)", ""), ("reason", reason)]
    }

    @Test func aPolicyIsPreviewedThenAppliedFromTheConsole() async throws {
        let harness = try await Harness.make()
        let valid = try PolicyAPITests.files("valid")
        try await harness.application().test(.router) { client in
            var browser = try await DashboardActionsTests.signIn(client, as: "admin-user")
            let empty = try await client.execute(uri: "/policy", method: .get, headers: [.cookie: browser.cookies])
            #expect(empty.status == .ok)
            #expect(empty.text.contains("Preview the changes"))
            #expect(empty.text.contains("No policy applied yet"))

            let preview = try await client.execute(
                uri: "/policy/preview",
                method: .post,
                headers: [.cookie: browser.cookies, .contentType: "application/x-www-form-urlencoded"],
                body: DashboardActionsTests.form(Self.edit(valid, reason: "first policy", csrf: browser.csrf))
            )
            #expect(preview.status == .ok)
            #expect(preview.text.contains("Apply this policy"))
            #expect(preview.text.contains("<li class=\"mono\">+ "), "the dry run's changes are listed")
            #expect(try await harness.storage.currentPolicy() == nil, "a preview applies nothing")

            // Apply exactly what was previewed: the page's hidden fields, posted through /act.
            let filesJSON = try #require(Self.hidden(preview.text, "files:json"))
            let (applied, page) = try await DashboardActionsTests.act(
                client,
                &browser,
                "/act/policy",
                [
                    ("files:json", filesJSON), ("reason", "first policy"), ("dryRun:bool", "false"),
                    ("_next", "/policy"), ("_done", "The new policy version is in force."),
                ]
            )
            #expect(applied.status == .seeOther)
            #expect(page?.text.contains("The new policy version is in force.") == true)
            let current = try #require(try await harness.storage.currentPolicy())
            #expect(current.files == valid)
            #expect(current.reason == "first policy" && current.actor == "user:admin-user")

            // A broken file is refused with its name and line; nothing changes.
            var broken = valid
            broken.append(
                try #require(try PolicyAPITests.files("invalid").first { $0.name == "unknown-severity.yaml" })
            )
            let refused = try await client.execute(
                uri: "/policy/preview",
                method: .post,
                headers: [.cookie: browser.cookies, .contentType: "application/x-www-form-urlencoded"],
                body: DashboardActionsTests.form(Self.edit(broken, reason: "break it", csrf: browser.csrf))
            )
            #expect(refused.status == .unprocessableContent)
            #expect(refused.text.contains("unknown-severity.yaml:"))
            #expect(refused.text.contains("break it"), "the form keeps what was typed")
            #expect(try await harness.storage.currentPolicy()?.version == current.version)

            // A viewer sees the files read-only and cannot preview.
            let viewer = try await DashboardActionsTests.signIn(client, as: "viewer-user")
            let readOnly = try await client.execute(uri: "/policy", method: .get, headers: [.cookie: viewer.cookies])
            #expect(readOnly.text.contains("readonly"))
            #expect(readOnly.text.contains("by user:admin-user: “first policy”"))
            #expect(!readOnly.text.contains("Preview the changes"))
            let denied = try await client.execute(
                uri: "/policy/preview",
                method: .post,
                headers: [.cookie: viewer.cookies, .contentType: "application/x-www-form-urlencoded"],
                body: DashboardActionsTests.form(Self.edit(valid, reason: "sneaky", csrf: viewer.csrf))
            )
            #expect(denied.status == .forbidden)
            #expect(denied.text.contains("policy.manage"))
        }
    }

    /// The decoded value of a hidden input.
    static func hidden(_ html: String, _ name: String) -> String? {
        guard let range = html.range(of: "name=\"\(name)\" value=\"") else { return nil }
        let raw = String(html[range.upperBound...].prefix { $0 != "\"" })
        return raw.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}
