import ArgumentParser

/// The `patchpilot` command: server, administration, simulation and offline tools.
@main
struct PatchPilotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "patchpilot",
        abstract: "Patch management and update orchestration for Linux fleets.",
        subcommands: [
            ServeCommand.self,
            AdminCommand.self,
            TokenCommand.self,
            EnrollTokenCommand.self,
            AgentCommand.self,
            SimulateCommand.self,
            VersionCommand.self,
            CVSSCommand.self,
            ScanCommand.self,
            FeedsCommand.self,
            PolicyCommand.self,
            WindowCommand.self,
            ChangeCommand.self,
            AuditCommand.self,
            RolloutsCommand.self,
            StatsCommand.self,
        ]
    )
}
