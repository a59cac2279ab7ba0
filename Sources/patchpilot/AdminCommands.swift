import ArgumentParser
import Foundation
import PatchServer
import PatchStore

/// Local administration on the data directory (run on the server machine).
struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin",
        abstract: "Administer users on the server's data directory.",
        subcommands: [CreateUser.self]
    )

    struct CreateUser: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create-user",
            abstract: "Create a user; prints a generated password unless --password-stdin is given."
        )
        @OptionGroup var data: DataDirectoryOptions
        @Option(help: "Login name.") var username: String
        @Option(help: "Base role: viewer, auditor, approver, operator, admin, or a custom role.")
        var role: String = "viewer"
        @Flag(help: "Read the password from standard input instead of generating one.") var passwordStdin = false

        func run() async throws {
            let storage = try await data.openStorage()
            let identities = IdentityService(storage: storage, clock: SystemWallClock(), bcryptCost: 12)
            let password: String
            if passwordStdin {
                password = (readLine(strippingNewline: true) ?? "")
            } else {
                password = BearerSecret.randomToken(bytes: 12)
            }
            // A generated password is a one-time password: the user chooses their own at first sign-in.
            try await identities.createUser(
                username: username,
                password: password,
                role: role,
                actor: "cli",
                mustChangePassword: !passwordStdin
            )
            try await data.sealAudit(storage)
            print("created user \(username) with role \(role)")
            if !passwordStdin { print("password: \(password)") }
        }
    }
}

/// API tokens for the CLI and automation.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Manage API tokens.",
        subcommands: [Create.self, List.self, Revoke.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an API token for a user; it is shown once.")
        @OptionGroup var data: DataDirectoryOptions
        @Option(help: "The user who owns the token.") var user: String = "admin"
        @Option(help: "A label for the token.") var name: String = "cli"
        @Option(help: "Lifetime such as 30d or 12h; default 90d, at most 366d.") var expires: DurationArgument?
        @Option(help: "Comma-separated permissions the token carries (default: all of the user's).")
        var permissions: String?

        func run() async throws {
            let storage = try await data.openStorage()
            guard let owner = try await storage.user(named: user) else {
                throw ValidationError("no user named '\(user)' in \(data.databasePath)")
            }
            let identities = IdentityService(storage: storage, clock: SystemWallClock(), bcryptCost: 12)
            let created = try await identities.createAPIToken(
                userID: owner.id,
                name: name,
                expiresIn: expires?.seconds,
                permissions: permissions.map { $0.split(separator: ",").map(String.init) },
                actor: "cli"
            )
            try await data.sealAudit(storage)
            print(created.text)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List API tokens (id, user, name, state, expiry, permissions); secrets are never shown."
        )
        @OptionGroup var data: DataDirectoryOptions
        @Option(help: "Only this user's tokens.") var user: String?

        func run() async throws {
            let storage = try await data.openStorage()
            var userID: String?
            if let user {
                guard let owner = try await storage.user(named: user) else {
                    throw ValidationError("no user named '\(user)' in \(data.databasePath)")
                }
                userID = owner.id
            }
            let now = Date()
            let formatter = ISO8601DateFormatter()
            for token in try await storage.apiTokens(userID: userID) {
                let owner = try await storage.user(id: token.userID)?.username ?? token.userID
                let state =
                    token.revoked ? "revoked" : (token.expiresAt.map { $0 <= now } == true ? "expired" : "active")
                print(
                    [
                        token.id, owner, token.name, state, token.expiresAt.map(formatter.string(from:)) ?? "never",
                        token.permissions?.joined(separator: ",") ?? "all",
                    ].joined(separator: "\t")
                )
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke an API token; it stops working at once.")
        @OptionGroup var data: DataDirectoryOptions
        @Argument(help: "The token id (the part after ppt_ and before the second _).") var id: String

        func run() async throws {
            let storage = try await data.openStorage()
            guard try await storage.revokeAPIToken(id: id, actor: "cli", now: Date()) else {
                throw ValidationError("no API token with id '\(id)'")
            }
            try await data.sealAudit(storage)
            print("revoked \(id)")
        }
    }
}

/// Enrollment tokens for agents.
struct EnrollTokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enroll-token",
        abstract: "Manage agent enrollment tokens.",
        subcommands: [Create.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an enrollment token; it is shown once.")
        @OptionGroup var data: DataDirectoryOptions
        @Option(help: "How many agents may enroll with it.") var uses = 1
        @Option(help: "Lifetime such as 24h or 7d.") var expires = DurationArgument(argument: "24h")!
        @Option(
            help:
                "Make a re-enroll token for this host id: one use, only for an agent presenting that host's machine id, which then takes the host over (its old agents are revoked)."
        )
        var host: String?

        func run() async throws {
            let storage = try await data.openStorage()
            if let host {
                guard try await storage.host(id: host) != nil else {
                    throw ValidationError("no host with id '\(host)'")
                }
                guard uses == 1 else { throw ValidationError("a re-enroll token has exactly one use") }
            }
            let identities = IdentityService(storage: storage, clock: SystemWallClock(), bcryptCost: 12)
            let created = try await identities.createEnrollmentToken(
                uses: uses,
                expiresIn: expires.seconds,
                hostID: host,
                actor: "cli"
            )
            try await data.sealAudit(storage)
            print(created.text)
        }
    }
}

/// Enrolled agents.
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Manage enrolled agents.",
        subcommands: [List.self, Revoke.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List agents.")
        @OptionGroup var data: DataDirectoryOptions

        func run() async throws {
            let storage = try await data.openStorage()
            for agent in try await storage.agents() {
                let state = agent.isRevoked ? "revoked" : "active"
                print(
                    "\(agent.id)\t\(agent.hostID)\t\(state)\t\(ISO8601DateFormatter().string(from: agent.enrolledAt))"
                )
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke an agent; its next request is refused.")
        @OptionGroup var data: DataDirectoryOptions
        @Argument(help: "The agent id.") var id: String

        func run() async throws {
            let storage = try await data.openStorage()
            guard try await storage.revokeAgent(id: id, actor: "cli", now: Date()) else {
                throw ValidationError("no agent with id '\(id)'")
            }
            try await data.sealAudit(storage)
            print("revoked \(id)")
        }
    }
}
