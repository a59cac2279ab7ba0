import ArgumentParser
import Foundation
import NIOHTTP1
import PatchAPI
import RolloutEngine

/// `patchpilot rollout plan|start|status|watch|pause|resume|abort|approve-next`: rollouts through the API.
struct RolloutsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollout",
        abstract: "Plan, start, watch and steer rollouts of approved changes on a server.",
        discussion: "Talks to the server's API with an API token (--token or PATCHPILOT_TOKEN).",
        subcommands: [
            Plan.self, Start.self, Status.self, Watch.self, Pause.self, Resume.self, Abort.self, ApproveNext.self,
        ]
    )

    /// Options shared by `plan` and `start`.
    struct Knobs: ParsableArguments {
        @Option(help: "Canary hosts per environment (count or percentage; default: the policy's, else 1).")
        var canary: String?
        @Option(help: "Most hosts per wave (count or percentage; default: the policy's, else 25%).")
        var maxConcurrency: String?
        @Option(help: "Failed hosts tolerated per wave (count or percentage; default: the policy's, else 0).")
        var errorBudget: String?
        @Option(help: "dependencies-first or dependents-first.") var serviceOrder: String?
        @Option(help: "Minutes one host's task may take (must fit in its window; default: measured, else 30).")
        var taskMinutes: Int?
        @Option(help: "Seconds to wait between environments.") var bakeTime: Int?
        @Option(help: "Seconds to wait after each wave before its verdict.") var waveBake: Int?
        @Option(help: "Seconds an agent has to report.") var lease: Int?
        @Option(help: "Disruption budget of a service: NAME=BUDGET (repeat; default: the policy's, else 1).")
        var budget: [String] = []
        @Flag(help: "A person approves each environment after the first.") var approveEachEnvironment = false
        @Option(help: "A JSON file with all options (the API's RolloutOptions); flags override it.") var optionsFile:
            String?

        func body() throws -> [String: Any] {
            var options: [String: Any] = [:]
            if let optionsFile {
                guard let data = FileManager.default.contents(atPath: optionsFile),
                    let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
                else { throw ValidationError("--options-file \(optionsFile) is not a JSON object") }
                options = object
            }
            for (key, value) in [("canary", canary), ("maxConcurrency", maxConcurrency), ("errorBudget", errorBudget)] {
                if let value {
                    _ = try Budget(parsing: value, field: "--\(key)")
                    options[key] = value
                }
            }
            if let serviceOrder { options["serviceOrder"] = serviceOrder }
            if let taskMinutes { options["taskMinutes"] = taskMinutes }
            if let bakeTime { options["bakeTimeSeconds"] = bakeTime }
            if let waveBake { options["waveBakeSeconds"] = waveBake }
            if let lease { options["leaseSeconds"] = lease }
            if approveEachEnvironment { options["approveEachEnvironment"] = true }
            if !budget.isEmpty {
                var budgets: [String: String] = [:]
                for entry in budget {
                    let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
                    guard parts.count == 2 else {
                        throw ValidationError("--budget must be NAME=BUDGET, got '\(entry)'")
                    }
                    _ = try Budget(parsing: parts[1], field: "--budget")
                    budgets[parts[0]] = parts[1]
                }
                options["disruptionBudgets"] = budgets
            }
            return options
        }
    }

    static func json(_ object: Any) throws -> Data { try JSONSerialization.data(withJSONObject: object) }

    /// A progress bar of `width` cells: `#` succeeded, `x` failed or rolled back, `~` leased.
    static func bar(_ counts: [String: Int], total: Int, width: Int = 30) -> String {
        guard total > 0 else { return "[" + String(repeating: " ", count: width) + "]" }
        func cells(_ count: Int) -> Int { Int((Double(count) / Double(total) * Double(width)).rounded()) }
        let done = cells(counts["succeeded", default: 0])
        let bad = cells(counts["failed", default: 0] + counts["rolled-back", default: 0])
        let running = cells(counts["leased", default: 0])
        let filled = min(width, done + bad + running)
        return "[" + String(repeating: "#", count: done) + String(repeating: "x", count: bad)
            + String(repeating: "~", count: max(0, filled - done - bad)) + String(repeating: " ", count: width - filled)
            + "]"
    }

    static func render(_ view: RolloutView) -> String {
        var lines = ["\(view.id)  \(view.change)  \(view.state)\(view.reason.map { "  (\($0))" } ?? "")"]
        let total = view.counts.values.reduce(0, +)
        lines.append(
            "hosts: \(total)  "
                + ["succeeded", "leased", "pending", "failed", "rolled-back", "skipped"]
                .map { "\($0) \(view.counts[$0, default: 0])" }.joined(separator: "  ")
        )
        for wave in view.waves {
            let marker =
                wave.index == view.currentWave
                    && !["completed", "rolled-back", "failed", "aborted"].contains(view.state) ? ">" : " "
            var line =
                "\(marker) \(bar(wave.counts, total: wave.hosts)) \(wave.name) (\(wave.hosts) hosts) \(wave.state)"
            if let verdict = wave.verdict {
                line += " — \(verdict.outcome.rawValue): \(verdict.reasons.joined(separator: "; "))"
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    struct Plan: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "plan",
            abstract: "Print a change's rollout plan (waves, hosts, earliest start per wave) without starting it."
        )
        @OptionGroup var api: ServerAPIOptions
        @OptionGroup var knobs: Knobs
        @Argument(help: "Change id (CHG-N).") var change: String
        @Flag(help: "Print the API's JSON.") var json = false

        func run() async throws {
            let data = try await api.call(
                .POST,
                "/api/v1/changes/\(change)/rollout-plan",
                json: try RolloutsCommand.json(try knobs.body())
            )
            if json {
                print(String(decoding: data, as: UTF8.self))
                return
            }
            let plan = try APIJSON.decoder.decode(RolloutPlan.self, from: data)
            let formatter = ISO8601DateFormatter()
            for stage in plan.stages {
                print("\(stage.environment):")
                for wave in stage.waves {
                    let names = wave.hosts.map { plan.hostnames[$0] ?? $0 }
                    print(
                        "  wave \(wave.index + 1) \(wave.name): \(wave.hosts.count) host(s), earliest start \(formatter.string(from: wave.earliestStart)), done by \(formatter.string(from: wave.estimatedEnd))"
                    )
                    print("    " + names.joined(separator: ", "))
                    if !wave.services.isEmpty { print("    services: \(wave.services.joined(separator: ", "))") }
                }
            }
            if !plan.unschedulable.isEmpty {
                print("unschedulable (\(plan.unschedulable.count)):")
                for host in plan.unschedulable { print("  \(host.hostname): \(host.reason)") }
            }
            struct Estimate: Decodable { var taskEstimate: TaskEstimate? }
            if let estimate = try? JSONDecoder().decode(Estimate.self, from: data).taskEstimate {
                let why =
                    switch estimate.source {
                    case .request: "as asked"
                    case .measured: "90th percentile of \(estimate.measurements) recent completed plans"
                    case .default:
                        "default: \(estimate.measurements) measured plan(s), fewer than \(TaskEstimate.minimumMeasurements)"
                    }
                print("task estimate: \(estimate.minutes) min per host (\(why))")
            }
            struct Digest: Decodable { var digest: String? }
            if let digest = try? JSONDecoder().decode(Digest.self, from: data).digest {
                print(
                    "plan digest \(digest) (start exactly this plan: rollout start \(change) --plan-digest \(digest))"
                )
            }
        }
    }

    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "start",
            abstract: "Start rolling out an approved change; prints the rollout id."
        )
        @OptionGroup var api: ServerAPIOptions
        @OptionGroup var knobs: Knobs
        @Argument(help: "Change id.") var change: String
        @Option(help: "Start only if the plan is still the one `rollout plan` printed this digest for.")
        var planDigest: String?

        func run() async throws {
            var fields: [String: Any] = ["change": change, "options": try knobs.body()]
            if let planDigest { fields["planDigest"] = planDigest }
            let body = try RolloutsCommand.json(fields)
            let view = try APIJSON.decoder.decode(
                RolloutView.self,
                from: try await api.call(.POST, "/api/v1/rollouts", json: body)
            )
            print(view.id)
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "status",
            abstract: "Show a rollout: waves, counts, verdicts."
        )
        @OptionGroup var api: ServerAPIOptions
        @Argument(help: "Rollout id (RO-…).") var id: String
        @Flag(help: "Print the API's JSON.") var json = false

        func run() async throws {
            let data = try await api.call(.GET, "/api/v1/rollouts/\(id)")
            if json {
                print(String(decoding: data, as: UTF8.self))
                return
            }
            print(RolloutsCommand.render(try APIJSON.decoder.decode(RolloutView.self, from: data)))
        }
    }

    struct Watch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "watch",
            abstract: "Follow a rollout live: a progress bar per wave and host counts by state, until it ends."
        )
        @OptionGroup var api: ServerAPIOptions
        @Argument(help: "Rollout id.") var id: String
        @Option(help: "Seconds between refreshes.") var interval: Double = 2

        func run() async throws {
            let terminal = isatty(STDOUT_FILENO) == 1
            var last = ""
            while true {
                let view = try APIJSON.decoder.decode(
                    RolloutView.self,
                    from: try await api.call(.GET, "/api/v1/rollouts/\(id)")
                )
                let text = RolloutsCommand.render(view)
                if text != last {
                    if terminal { print("\u{1B}[H\u{1B}[2J", terminator: "") }
                    print(text + (terminal ? "" : "\n"))
                    last = text
                }
                if ["completed", "rolled-back", "failed", "aborted"].contains(view.state) {
                    if view.state != "completed" { throw ExitCode(1) }
                    return
                }
                let seconds = interval.isFinite ? min(max(interval, 0.1), 3600) : 2
                try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
            }
        }
    }

    struct Reason: Encodable {
        var reason: String?
    }

    /// What pause, resume, abort and approve-next share: the rollout, the reason, the call.
    struct Steering: ParsableArguments {
        @OptionGroup var api: ServerAPIOptions
        @Argument(help: "Rollout id.") var id: String
        @Option(help: "Why.") var reason: String?

        /// POSTs `/api/v1/rollouts/ID/ACTION` and prints the rollout as it is now.
        func send(_ action: String) async throws {
            let data = try await api.call(.POST, "/api/v1/rollouts/\(id)/\(action)", body: Reason(reason: reason))
            print(RolloutsCommand.render(try APIJSON.decoder.decode(RolloutView.self, from: data)))
        }
    }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pause",
            abstract: "Pause a rollout (tasks already running finish)."
        )
        @OptionGroup var steering: Steering

        func run() async throws { try await steering.send("pause") }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "resume",
            abstract: "Resume a paused rollout (an inconclusive wave counts as passed)."
        )
        @OptionGroup var steering: Steering

        func run() async throws { try await steering.send("resume") }
    }

    struct Abort: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "abort",
            abstract: "Abort a rollout: no new tasks; the change is marked failed."
        )
        @OptionGroup var steering: Steering

        func run() async throws { try await steering.send("abort") }
    }

    struct ApproveNext: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "approve-next",
            abstract: "Let a rollout waiting for approval enter its next environment."
        )
        @OptionGroup var steering: Steering

        func run() async throws { try await steering.send("approve-next-environment") }
    }
}
