import AgentProtocol
import ArgumentParser
import AsyncHTTPClient
import Crypto
import FleetModel
import Foundation
import Logging
import PatchAgent
import ServiceLifecycle
import UnixSignals

/// `patchpilot-agent`: runs on each host.
@main
struct AgentRootCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "patchpilot-agent",
        abstract: "The PatchPilot agent: reports this host's inventory to the server.",
        subcommands: [Enroll.self, Run.self, Inventory.self, ApplyCommand.self]
    )
}

/// Where the agent keeps state and reads the host.
struct HostOptions: ParsableArguments {
    @Option(name: .customLong("state-dir"), help: "Directory for the agent key and state.")
    var stateDirectory = "/var/lib/patchpilot-agent"
    @Option(help: "Root of the host's file system (for sandboxes and tests).") var root = "/"
    @Option(help: "dpkg admin directory, a path inside --root (default: /var/lib/dpkg).") var admindir: String?
    @Option(name: .customLong("rpm-dbpath"), help: "rpm database directory inside --root (default: detected).")
    var rpmDatabasePath: String?

    var collector: InventoryCollector {
        InventoryCollector(
            configuration: CollectorConfiguration(
                rootDirectory: root,
                dpkgAdminDirectory: admindir,
                rpmDatabasePath: rpmDatabasePath
            )
        )
    }

    var state: AgentStateStore { AgentStateStore(directory: stateDirectory) }
}

extension AgentRootCommand {
    struct Enroll: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create this agent's key pair and enroll with the server using an enrollment token."
        )
        @OptionGroup var host: HostOptions
        @Option(help: "Server base URL, e.g. https://patchpilot.example.net") var server: String
        @Option(help: "Enrollment token (ppe_…).") var token: String

        func run() async throws {
            let state = host.state
            let inventory = try host.collector.collect()
            let key = try state.createKey()
            let client = AgentClient(serverURL: server)
            let answer = try await client.enroll(token: token, publicKey: key.publicKey, facts: inventory.facts)
            try state.saveIdentity(
                AgentIdentity(
                    serverURL: client.serverURL,
                    agentID: answer.agentID,
                    hostID: answer.hostID,
                    checkInIntervalSeconds: answer.checkInIntervalSeconds,
                    planPublicKey: answer.planPublicKey
                )
            )
            print("enrolled as agent \(answer.agentID) for host \(answer.hostID)")
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check in periodically: heartbeat and inventory (delta when possible)."
        )
        @OptionGroup var host: HostOptions
        @Option(help: "Seconds between check-ins (default: what the server asked for).") var interval: Int?
        @Option(help: "Jitter as a share of the interval (0…1).") var jitter = 0.1
        @Flag(help: "Check in once and exit (non-zero on failure).") var once = false
        @Flag(help: "Do not fetch and run update plans from the server.") var noPlans = false
        @Option(name: .customLong("reboot-command"), help: "Command that reboots the host (for plans).")
        var rebootCommand = "systemctl reboot"
        @Option(name: .customLong("boot-id-file"), help: "File holding the boot id.")
        var bootIDFile = "/proc/sys/kernel/random/boot_id"
        @Flag(help: "Never install from the host's apt repositories: plan packages need artifacts.")
        var noApt = false
        @Flag(help: "Do not run apt-get update before downloading plan packages.") var noAptUpdate = false
        @Option(help: "Log level.") var logLevel = "info"

        func run() async throws {
            let level = Logger.Level(rawValue: logLevel) ?? .info
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
            let logger = Logger(label: "patchpilot.agent")
            let service = AgentService(
                collector: host.collector,
                state: host.state,
                logger: logger,
                intervalSeconds: interval,
                jitterFraction: jitter,
                once: once,
                planSettings: noPlans
                    ? nil
                    : PlanPoller.Settings(
                        root: host.root,
                        dpkgAdminDirectory: host.admindir ?? "/var/lib/dpkg",
                        rebootCommand: rebootCommand.split(separator: " ").map(String.init),
                        bootIDFile: bootIDFile,
                        apt: noApt ? nil : AptSettings(update: !noAptUpdate)
                    )
            )
            if once {
                try await service.run()
                return
            }
            let group = ServiceGroup(
                configuration: .init(services: [service], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
            )
            try await group.run()
        }
    }

    struct Inventory: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print this host's facts and packages.")
        @OptionGroup var host: HostOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let inventory = try host.collector.collect()
            if json {
                struct Output: Encodable {
                    var facts: HostFacts
                    var packages: [InstalledPackage]
                }
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(
                    String(
                        decoding: try encoder.encode(Output(facts: inventory.facts, packages: inventory.packages)),
                        as: UTF8.self
                    )
                )
            } else {
                let facts = inventory.facts
                print("\(facts.hostname)  \(facts.os.prettyName)  kernel \(facts.kernelRunning)")
                print("reboot required: \(facts.rebootRequired ? "yes" : "no")  packages: \(inventory.packages.count)")
                for package in inventory.packages {
                    print(
                        "\(package.name):\(package.architecture)\t\(package.version)\t\(package.sourceName) \(package.sourceVersion)\t\(package.state.rawValue)"
                    )
                }
            }
        }
    }
}
