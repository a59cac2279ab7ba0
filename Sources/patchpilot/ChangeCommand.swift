import ArgumentParser
import ChangeControl
import Foundation
import NIOHTTP1
import PatchAPI

/// `patchpilot change create|submit|approve|reject|list|show`: change requests through the API.
struct ChangeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "change",
        abstract: "Create, submit, approve, reject, list and show change requests on a server.",
        discussion: "Talks to the server's API with an API token (--token or PATCHPILOT_TOKEN).",
        subcommands: [Create.self, Submit.self, Approve.self, Reject.self, List.self, Show.self]
    )

    static func decode<T: Decodable>(_ type: T.Type, _ data: Data) throws -> T {
        try APIJSON.decoder.decode(type, from: data)
    }

    static func summary(_ view: ChangeView) -> String {
        let change = view.change
        let tally = view.tally.lines.map { "\($0.environment) \($0.approvals)/\($0.needed)" }.joined(separator: ", ")
        return [
            change.id, change.state.rawValue, change.kind.rawValue, change.risk?.level.rawValue ?? "-",
            tally.isEmpty ? "-" : tally, change.title,
        ].joined(separator: "\t")
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Create a draft change request; prints its id."
        )
        @OptionGroup var api: ServerAPIOptions
        @Option(help: "One-line title.") var title: String
        @Option(help: "standard, normal or emergency.") var kind: String = "normal"
        @Option(help: "Standard-change template name.") var template: String?
        @Option(help: "Why an emergency change cannot wait.") var justification: String?
        @Option(name: .customLong("package"), help: "NAME or NAME=VERSION; repeat.") var packages: [String] = []
        @Flag(help: "Install every update the baseline approves.") var allApproved = false
        @Option(name: .customLong("host"), help: "Host id or hostname; repeat.") var hosts: [String] = []
        @Option(name: .customLong("group"), help: "Policy host group; repeat.") var groups: [String] = []
        @Option(name: .customLong("environment"), help: "Policy environment; repeat.") var environments: [String] = []
        @Option(name: .customLong("window"), help: "Maintenance window name; repeat.") var windows: [String] = []
        @Option(name: .customLong("addresses"), help: "Advisory or CVE addressed; repeat.") var addresses: [String] = []
        @Option(help: "How the change is undone.") var rollbackPlan: String

        struct Body: Encodable {
            var title: String
            var kind: ChangeKind
            var template: String?
            var justification: String?
            var content: ChangeContent
        }

        func run() async throws {
            guard let kind = ChangeKind(rawValue: kind) else {
                throw ValidationError("--kind must be standard, normal or emergency, got '\(self.kind)'")
            }
            let targets = packages.map { text -> ChangeContent.PackageTarget in
                let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
                return .init(name: parts[0], version: parts.count == 2 ? parts[1] : nil)
            }
            let content = ChangeContent(
                packages: targets,
                allApprovedByBaseline: allApproved,
                hosts: hosts,
                groups: groups,
                environments: environments,
                windows: windows,
                addresses: addresses,
                rollbackPlan: rollbackPlan
            )
            let body = Body(
                title: title,
                kind: kind,
                template: template,
                justification: justification,
                content: content
            )
            let view = try ChangeCommand.decode(
                ChangeView.self,
                try await api.call(.POST, "/api/v1/changes", body: body)
            )
            print(view.change.id)
        }
    }

    struct Submit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "submit",
            abstract: "Submit a draft: computes its risk; a fitting standard change is approved at once."
        )
        @OptionGroup var api: ServerAPIOptions
        @Argument(help: "Change id (CHG-N).") var id: String

        func run() async throws {
            let view = try ChangeCommand.decode(
                ChangeView.self,
                try await api.call(.POST, "/api/v1/changes/\(id)/submit")
            )
            print(ChangeCommand.summary(view))
            for reason in view.change.risk?.reasons ?? [] { print("  risk: \(reason)") }
        }
    }

    struct Decision: Encodable {
        var comment: String
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "approve",
            abstract: "Approve a submitted change as a CAB member."
        )
        @OptionGroup var api: ServerAPIOptions
        @Argument(help: "Change id.") var id: String
        @Option(help: "Comment.") var comment: String = ""

        func run() async throws {
            let data = try await api.call(.POST, "/api/v1/changes/\(id)/approve", body: Decision(comment: comment))
            print(ChangeCommand.summary(try ChangeCommand.decode(ChangeView.self, data)))
        }
    }

    struct Reject: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reject",
            abstract: "Reject a submitted change (say why)."
        )
        @OptionGroup var api: ServerAPIOptions
        @Argument(help: "Change id.") var id: String
        @Option(help: "Why.") var comment: String

        func run() async throws {
            let data = try await api.call(.POST, "/api/v1/changes/\(id)/reject", body: Decision(comment: comment))
            print(ChangeCommand.summary(try ChangeCommand.decode(ChangeView.self, data)))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List change requests: id, state, kind, risk, approvals per environment, title."
        )
        @OptionGroup var api: ServerAPIOptions
        @Option(help: "Only these states (comma-separated).") var state: String?
        @Flag(help: "Print the API's JSON.") var json = false

        func run() async throws {
            let query =
                state.map { "?state=\($0.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? $0)" } ?? ""
            let data = try await api.call(.GET, "/api/v1/changes\(query)")
            if json {
                print(String(decoding: data, as: UTF8.self))
                return
            }
            let answer = try ChangeCommand.decode(ChangeList.self, data)
            for view in answer.changes { print(ChangeCommand.summary(view)) }
            print("\(answer.changes.count) of \(answer.total)")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Show one change: content, risk with its reasons, approvals, timeline."
        )
        @OptionGroup var api: ServerAPIOptions
        @Argument(help: "Change id.") var id: String
        @Flag(help: "Print the API's JSON.") var json = false

        func run() async throws {
            let data = try await api.call(.GET, "/api/v1/changes/\(id)")
            if json {
                print(String(decoding: data, as: UTF8.self))
                return
            }
            let view = try ChangeCommand.decode(ChangeView.self, data)
            let change = view.change
            let formatter = ISO8601DateFormatter()
            print("\(change.id): \(change.title)")
            print("kind: \(change.kind.rawValue)  state: \(change.state.rawValue)  requester: \(change.requester)")
            print("revision: \(change.revision)  content digest: \(view.contentDigest)")
            let packages = change.content.packages.map { target in
                target.version.map { "\(target.name)=\($0)" } ?? target.name
            }
            print(
                "what: \(change.content.allApprovedByBaseline ? "all updates approved by baseline" : packages.joined(separator: ", "))"
            )
            print(
                "where: hosts [\(change.content.hosts.joined(separator: ", "))] groups [\(change.content.groups.joined(separator: ", "))] environments [\(change.content.environments.joined(separator: ", "))]"
            )
            print(
                "when: windows [\(change.content.windows.joined(separator: ", "))]\(change.plannedStart.map { " planned \(formatter.string(from: $0))" } ?? "")"
            )
            print("why: \(change.content.addresses.joined(separator: ", "))")
            print("rollback: \(change.content.rollbackPlan)")
            if let risk = change.risk {
                print("risk: \(risk.level.rawValue) (score \(risk.score))")
                for reason in risk.reasons { print("  \(reason)") }
            }
            for line in view.tally.lines {
                print(
                    "approvals in \(line.environment): \(line.approvals)/\(line.needed) \(line.approvers.joined(separator: ", "))"
                )
            }
            for approval in change.approvals {
                let voided = approval.contentDigest != view.contentDigest ? " (voided by a later edit)" : ""
                print(
                    "  \(approval.decision.rawValue) by \(approval.username) at \(formatter.string(from: approval.at))\(voided) \(approval.comment)"
                )
            }
            if let due = change.reviewDueAt {
                print("review due: \(formatter.string(from: due))\(view.reviewOverdue ? " OVERDUE" : "")")
            }
            for event in view.timeline ?? [] {
                print(
                    "\(formatter.string(from: event.at))  \(event.actor)  \(event.action)\(event.elevationID.map { " [elevated \($0)]" } ?? "")  \(event.details)"
                )
            }
        }
    }
}
