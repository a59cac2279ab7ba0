import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import PatchAPI
import PatchPolicy

extension PolicyCommand {
    /// `policy apply DIR --server URL`: show the diff against the server's policy, then apply it.
    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "apply",
            abstract: "Apply a policy directory on the server (prints the changes; --dry-run stops there).",
            discussion: """
                Validates locally first, then sends every YAML file to POST /api/v1/policy with the \
                reason. The server validates again, answers the changes against the policy in force \
                and, unless --dry-run, stores the new version with an event naming you and the reason. \
                Needs an API token with policy.manage (admin): --token or PATCHPILOT_TOKEN.
                """
        )

        @Argument(help: "The policy directory.") var directory: String
        @Option(help: "Server base URL.") var server: String
        @Option(help: "API token (default: $PATCHPILOT_TOKEN).") var token: String?
        @Option(help: "Why the policy changes (recorded with the change).") var reason: String
        @Flag(help: "Only print the changes.") var dryRun = false

        struct Body: Encodable {
            var files: [File]
            var reason: String
            var dryRun: Bool
        }

        struct File: Encodable {
            var name: String
            var text: String
        }

        static func calendars(in directory: String) -> [(name: String, text: String)] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            return names.filter { $0.lowercased().hasSuffix(".ics") }.sorted().compactMap { name in
                FileManager.default.contents(atPath: directory + "/" + name).map {
                    (name, String(decoding: $0, as: UTF8.self))
                }
            }
        }

        func run() async throws {
            guard let token = token ?? ProcessInfo.processInfo.environment["PATCHPILOT_TOKEN"] else {
                throw ValidationError("give --token or set PATCHPILOT_TOKEN")
            }
            var files = try PolicyFiles.read(directory)
            let local = PolicyDocument.validate(files: files)
            guard local.document != nil else {
                for error in local.errors { PolicyFiles.printError(error.description) }
                throw ExitCode(1)
            }
            // Maintenance calendars (.ics) travel with the policy.
            for calendar in Self.calendars(in: directory) {
                do {
                    _ = try MaintenanceCalendar.parse(calendar.text, source: calendar.name)
                } catch {
                    PolicyFiles.printError(error.description)
                    throw ExitCode(1)
                }
                files.append(calendar)
            }
            var request = HTTPClientRequest(
                url: server.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + "/api/v1/policy"
            )
            request.method = .POST
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
            request.headers.add(name: "Content-Type", value: "application/json")
            // The server stores file names within the policy directory, not the paths read here.
            let body = Body(
                files: files.map { File(name: URL(fileURLWithPath: $0.name).lastPathComponent, text: $0.text) },
                reason: reason,
                dryRun: dryRun
            )
            request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(body)))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
            let data = Data(buffer: try await response.body.collect(upTo: 16 * 1024 * 1024))
            guard response.status.code == 200 else {
                PolicyFiles.printError(
                    "server answered \(response.status.code): \(String(decoding: data, as: UTF8.self))"
                )
                throw ExitCode(1)
            }
            let answer = try APIJSON.decoder.decode(PolicyApplyResult.self, from: data)
            print(answer.changes.isEmpty ? "no changes" : answer.changes.joined(separator: "\n"))
            if answer.applied, let version = answer.version { print("applied as policy version \(version)") }
        }
    }
}
