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
            let storage = try data.openStorage()
            let identities = IdentityService(storage: storage, clock: SystemWallClock(), bcryptCost: 12)
            let password: String
            if passwordStdin {
                password = (readLine(strippingNewline: true) ?? "")
            } else {
                password = BearerSecret.randomToken(bytes: 12)
            }
            try await identities.createUser(username: username, password: password, role: role, actor: "cli")
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
        subcommands: [Create.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an API token for a user; it is shown once.")
        @OptionGroup var data: DataDirectoryOptions
        @Option(help: "The user who owns the token.") var user: String = "admin"
        @Option(help: "A label for the token.") var name: String = "cli"
        @Option(help: "Lifetime such as 30d or 12h; default: no expiry.") var expires: DurationArgument?

        func run() async throws {
            let storage = try data.openStorage()
            guard let owner = try await storage.user(named: user) else {
                throw ValidationError("no user named '\(user)' in \(data.databasePath)")
            }
            let identities = IdentityService(storage: storage, clock: SystemWallClock(), bcryptCost: 12)
            let created = try await identities.createAPIToken(
                userID: owner.id,
                name: name,
                expiresIn: expires?.seconds,
                actor: "cli"
            )
            print(created.text)
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

        func run() async throws {
            let storage = try data.openStorage()
            let identities = IdentityService(storage: storage, clock: SystemWallClock(), bcryptCost: 12)
            let created = try await identities.createEnrollmentToken(
                uses: uses,
                expiresIn: expires.seconds,
                actor: "cli"
            )
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
            let storage = try data.openStorage()
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
            let storage = try data.openStorage()
            guard try await storage.revokeAgent(id: id, actor: "cli", now: Date()) else {
                throw ValidationError("no agent with id '\(id)'")
            }
            print("revoked \(id)")
        }
    }
}
