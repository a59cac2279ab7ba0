import ArgumentParser
import ChangeControl
import Crypto
import Foundation
import PatchServer
import PatchStore

/// `patchpilot audit verify|export`: check the hash-chained audit log of a data directory, or write
/// it as JSON Lines for a SIEM.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Verify the tamper-evident audit log or export it as JSON Lines.",
        subcommands: [Verify.self, Export.self]
    )

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Check every event's hash, the chain links and the signed checkpoints.",
            discussion: """
                Reads the database file directly, so an edit made with any SQLite tool is caught. Prints \
                each edited, deleted, inserted or reordered event and exits 1; exits 0 when the log is \
                intact. Checkpoint signatures are checked with --public-key (base64 Ed25519, keep a \
                copy away from the server) or else the key in the data directory.
                """
        )
        @OptionGroup var data: DataDirectoryOptions
        @Option(help: "Base64 Ed25519 public key that signs checkpoints.") var publicKey: String?
        @Flag(help: "Print the result as JSON.") var json = false

        func run() async throws {
            let key: Curve25519.Signing.PublicKey?
            if let publicKey {
                guard let bytes = Data(base64Encoded: publicKey),
                    let parsed = try? Curve25519.Signing.PublicKey(rawRepresentation: bytes)
                else { throw ValidationError("--public-key is not a base64 Ed25519 public key") }
                key = parsed
            } else {
                key = nil
            }
            let storage = try await data.openStorage()
            var checkKey = key
            if checkKey == nil { checkKey = try await data.existingAuditKey(storage)?.publicKey }
            let result = try await AuditService.verify(storage: storage, publicKey: checkKey)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
                print(String(decoding: try encoder.encode(result), as: UTF8.self))
            } else {
                for problem in result.problems { print(problem.description) }
                print(
                    "\(result.events) events, \(result.checkpoints) checkpoints, \(result.unsealed) not yet sealed: \(result.isIntact ? "intact" : "\(result.problems.count) problem\(result.problems.count == 1 ? "" : "s")")"
                )
                if let since = result.unsealedSince {
                    print(
                        "unsealed since \(ISO8601DateFormatter().string(from: since)): events after the last checkpoint could be cut off without a trace until the next seal"
                    )
                }
                if key == nil { print("warning: no public key; checkpoint signatures were not checked") }
            }
            if !result.isIntact { throw ExitCode(1) }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Write audit events as JSON Lines (one event per line, oldest first).",
            discussion:
                "Each line has id, at (RFC 3339), actor, action, target, details, requestID, elevationID, previousHash, hash."
        )
        @OptionGroup var data: DataDirectoryOptions
        @Option(help: "Only events at or after this RFC 3339 time.") var since: String?
        @Option(help: "Write to this file instead of standard output.") var output: String?

        func run() async throws {
            var start: Date?
            if let since {
                guard let date = ISO8601DateFormatter().date(from: since) else {
                    throw ValidationError(
                        "--since must be an RFC 3339 time such as 2026-11-01T00:00:00Z, got '\(since)'"
                    )
                }
                start = date
            }
            let storage = try await data.openStorage()
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .iso8601
            var sink: FileHandle = .standardOutput
            if let output {
                guard
                    FileManager.default.createFile(
                        atPath: output,
                        contents: nil,
                        attributes: [.posixPermissions: 0o600]
                    ),
                    let handle = FileHandle(forWritingAtPath: output)
                else { throw ValidationError("cannot create \(output)") }
                sink = handle
            }
            var after: Int64 = 0
            var count = 0
            while true {
                let page = try await storage.auditEvents(afterID: after, since: start, target: nil, limit: 5000)
                guard let last = page.last else { break }
                var chunk = Data()
                for event in page {
                    chunk.append(try encoder.encode(event))
                    chunk.append(0x0A)
                }
                try sink.write(contentsOf: chunk)
                count += page.count
                after = last.id
            }
            if output != nil {
                try sink.close()
                FileHandle.standardError.write(Data("wrote \(count) events to \(output!)\n".utf8))
            }
        }
    }
}
