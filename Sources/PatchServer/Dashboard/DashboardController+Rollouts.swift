import ChangeControl
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Mustache
import NIOCore
import PatchStore
import RolloutEngine
import ServiceLifecycle

/// Read-only rollout pages: every rollout with its progress, and one rollout with its waves, host
/// tasks, verdicts and events. A running rollout's page refreshes itself every 5 seconds without
/// JavaScript; with JavaScript it follows `GET /rollouts/:id/events` (server-sent events) instead.
/// Commands (pause, resume, abort, approve) go through `/api/v1/rollouts/…`.
extension DashboardController {
    func addRolloutRoutes(to authenticated: RouterGroup<AppRequestContext>) {
        authenticated.get("rollouts", use: rolloutsPage)
        authenticated.get("rollouts/:id", use: rolloutPage)
        authenticated.get("rollouts/:id/events", use: rolloutEvents)
    }

    /// The least time between two reads of the rollout: a burst of changes is sent as one event.
    static let rolloutStreamMinimumInterval = Duration.milliseconds(250)
    /// How long one event stream stays open (the browser's `EventSource` then reconnects).
    static let rolloutStreamLifetime = Duration.seconds(600)
    /// A comment line after this long without an event, so proxies keep the stream open and a
    /// closed connection is noticed.
    static let rolloutStreamHeartbeat = Duration.seconds(15)
    /// Events shown on a rollout page.
    static let rolloutEventLimit = 200

    /// The newest 200 rollouts (or only those not finished, with `?active=true`) with their progress.
    @Sendable func rolloutsPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let identity = context.identity else { return redirectToLogin() }
        guard identity.has(.changesRead) else {
            throw Problem.forbidden("\(identity.username) cannot read rollouts")
        }
        let active = request.uri.queryParameters["active"] == "true"
        let rollouts = try await storage.rollouts(activeOnly: active, limit: 200)
        var data = page(identity, title: "Rollouts")
        data["navRollouts"] = true
        data["active"] = active
        data["count"] = rollouts.count
        data["rollouts"] = rollouts.map { rollout -> [String: Any] in
            let summary = RolloutSummary(rollout)
            return [
                "id": rollout.id, "change": rollout.changeID, "state": rollout.state.rawValue,
                "stateClass": Self.rolloutStateClass(rollout.state),
                "currentWave": summary.currentWaveName ?? "—",
                "waves": rollout.plan.waves.count, "countsText": summary.text,
                "bar": Self.progressBar(summary.counts, total: summary.total, id: nil),
            ]
        }
        return html(library.render(data, withTemplate: "rollouts"))
    }

    /// One rollout: state and reason, each wave with its progress, verdict and host tasks, the
    /// rollback tasks, the hosts left out and the newest events.
    @Sendable func rolloutPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let identity = context.identity else { return redirectToLogin() }
        guard identity.has(.changesRead) else {
            throw Problem.forbidden("\(identity.username) cannot read rollouts")
        }
        let id = try context.parameters.requireDecoded("id")
        guard let rollout = try await storage.rollout(id: id) else {
            throw Problem.notFound("no rollout '\(id)'")
        }
        let (events, eventTotal) = try await latestRolloutEvents(rollout.id, limit: Self.rolloutEventLimit)
        let formatter = Self.changeTimeFormatter(TimeZone(identifier: "UTC")!)
        let summary = RolloutSummary(rollout)
        let live = !rollout.state.isFinished
        func hostname(_ hostID: String) -> String { rollout.hostnames[hostID] ?? hostID }
        func taskRow(_ task: HostTask) -> [String: Any] {
            var reason = task.reason ?? ""
            if let outcome = task.outcome, outcome != .completed {
                reason = reason.isEmpty ? outcome.rawValue : "\(outcome.rawValue): \(reason)"
            }
            return [
                "hostID": task.hostID, "hostname": hostname(task.hostID), "state": task.state.rawValue,
                "stateClass": Self.taskStateClass(task.state), "attempt": task.attempt,
                "notBefore": task.notBefore == .distantPast ? "—" : formatter.string(from: task.notBefore),
                "reason": reason.isEmpty ? "—" : reason,
            ]
        }
        var data = page(identity, title: "\(rollout.id) of \(rollout.changeID)")
        data["navRollouts"] = true
        if !rollout.state.isFinished, identity.has(.changesRun) || identity.has(.changesApprove) {
            data["actions"] = [
                "id": rollout.id,
                "canPause": identity.has(.changesRun) && [.running, .pending].contains(rollout.state),
                "canResume": identity.has(.changesRun) && rollout.state == .paused,
                "canAbort": identity.has(.changesRun),
                "canApproveNext": identity.has(.changesApprove) && rollout.state == .awaitingApproval,
            ]
        }
        data["liveRefresh"] = live
        let nonce = live ? BearerSecret.randomToken(bytes: 16) : nil
        if let nonce {
            data["live"] = ["events": "/rollouts/\(rollout.id)/events", "key": summary.key, "nonce": nonce]
        }
        let settings = rollout.settings
        data["rollout"] =
            [
                "id": rollout.id, "change": rollout.changeID, "state": rollout.state.rawValue,
                "stateClass": Self.rolloutStateClass(rollout.state), "reason": rollout.reason ?? "—",
                "finished": rollout.state.isFinished, "currentWave": summary.currentWaveName ?? "—",
                "countsText": summary.text, "total": summary.total,
                "bar": Self.progressBar(summary.counts, total: summary.total, id: "rollout-bar"),
                "errorBudget": settings.errorBudgets.isEmpty
                    ? settings.errorBudget.description
                    : (settings.errorBudgets.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
                        + ["elsewhere \(settings.errorBudget)"]).joined(separator: "; "),
                "lease": Self.duration(settings.leaseDuration),
                "waveBake": settings.waveBakeTime > 0 ? Self.duration(settings.waveBakeTime) : "none",
                "approveEachEnvironment": settings.approveEachEnvironment ? "yes" : "no",
                "metricGates": settings.metricGates ? "yes" : "no",
                "approvedEnvironment": rollout.approvedEnvironment ?? "—",
            ] as [String: Any]
        data["waves"] = rollout.plan.waves.map { wave -> [String: Any] in
            let progress = rollout.waves[wave.index]
            let counts = summary.waves[wave.index]
            let failing = [.failed, .inconclusive].contains(progress.state)
            var row: [String: Any] = [
                "index": wave.index, "name": wave.name, "environment": wave.environment,
                "kind": wave.tier.map { "\(wave.kind.rawValue), tier \($0)" } ?? wave.kind.rawValue,
                "state": progress.state.rawValue, "stateClass": Self.waveStateClass(progress.state),
                "hosts": wave.hosts.count, "countsText": counts.text,
                "bar": Self.progressBar(counts.counts, total: counts.total, id: "wave-\(wave.index)-bar"),
                "earliestStart": formatter.string(from: wave.earliestStart),
                "estimatedEnd": formatter.string(from: wave.estimatedEnd),
                "startedAt": progress.startedAt.map { formatter.string(from: $0) } ?? "—",
                "bakeUntil": progress.bakeUntil.map { formatter.string(from: $0) } ?? "—",
                "current": live && wave.index == rollout.currentWave,
                "open": failing || (live && wave.index == rollout.currentWave) || wave.hosts.count <= 10,
                "tasks": rollout.tasks[rollout.taskIndices(ofWave: wave.index)].map(taskRow),
            ]
            if let verdict = progress.verdict {
                row["verdict"] =
                    [
                        "outcome": verdict.outcome.rawValue, "class": Self.verdictClass(verdict.outcome),
                        "reasons": verdict.reasons,
                    ] as [String: Any]
            }
            return row
        }
        data["rollbackTasks"] = rollout.rollbackTasks.map(taskRow)
        data["unschedulable"] = rollout.plan.unschedulable.map { host -> [String: Any] in
            ["hostID": host.hostID, "hostname": host.hostname, "reason": host.reason]
        }
        data["events"] = events.map { event -> [String: Any] in
            var row: [String: Any] = [
                "at": formatter.string(from: event.at), "actor": event.actor, "action": event.action,
                "details": Self.eventDetails(event.details),
            ]
            if let transition = Self.transition(event.details) { row["transition"] = transition }
            return row
        }
        data["eventCount"] = events.count
        data["eventTotal"] = eventTotal
        data["eventsCapped"] = eventTotal > events.count
        var response = html(library.render(data, withTemplate: "rollout"))
        if let nonce, let policy = response.headers[.contentSecurityPolicy] {
            // The one inline script (the live counts) runs by its nonce; nothing else may.
            response.headers[.contentSecurityPolicy] = policy + "; script-src 'nonce-\(nonce)'"
        }
        return response
    }

    /// Server-sent events: one `data:` line with the rollout's ``RolloutSummary`` at once and again
    /// whenever it changes, until the rollout finishes or after 10 minutes (`EventSource` reconnects
    /// by itself). Changes are announced by the store — from whichever replica wrote them, on
    /// PostgreSQL by LISTEN/NOTIFY — so the stream reads the rollout only when it changed (and every
    /// ``ServerConfiguration/liveUpdateFallbackSeconds`` as a safety net). `?once=1` sends the first event and closes the
    /// stream (for tests and scripts).
    @Sendable func rolloutEvents(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let identity = context.identity else { return redirectToLogin() }
        guard identity.has(.changesRead) else {
            throw Problem.forbidden("\(identity.username) cannot read rollouts")
        }
        let id = try context.parameters.requireDecoded("id")
        guard try await storage.rollout(id: id) != nil else {
            throw Problem.notFound("no rollout '\(id)'")
        }
        let once = ["1", "true"].contains(request.uri.queryParameters["once"] ?? "")
        let storage = self.storage
        let fallback = Duration.seconds(max(1, min(configuration.liveUpdateFallbackSeconds, 3600)))
        let body = ResponseBody { writer in
            // Subscribed before the first read: no change after it goes unheard.
            let changes = storage.subscribe(to: .rollout(id))
            defer { changes.cancel() }
            guard let first = try await storage.rollout(id: id) else {
                try await writer.finish(nil)
                return
            }
            var last = try RolloutSummary(first).json()
            try await writer.write(ByteBuffer(string: "retry: 5000\ndata: \(last)\n\n"))
            var finished = once || first.state.isFinished
            let deadline = ContinuousClock.now + Self.rolloutStreamLifetime
            var quietSince = ContinuousClock.now
            while !finished, ContinuousClock.now < deadline, !Task.isCancelled, !Task.isShuttingDownGracefully {
                _ = await cancelWhenGracefulShutdown { await changes.next(timeout: fallback) }
                guard !Task.isCancelled, !Task.isShuttingDownGracefully,
                    let rollout = try await storage.rollout(id: id)
                else { break }
                let summary = try RolloutSummary(rollout).json()
                if summary != last {
                    try await writer.write(ByteBuffer(string: "data: \(summary)\n\n"))
                    last = summary
                    quietSince = ContinuousClock.now
                    finished = rollout.state.isFinished
                    try? await cancelWhenGracefulShutdown {
                        try await Task.sleep(for: Self.rolloutStreamMinimumInterval)
                    }
                } else if ContinuousClock.now - quietSince >= Self.rolloutStreamHeartbeat {
                    // A write to a closed connection throws, which ends the loop.
                    try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                    quietSince = ContinuousClock.now
                }
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store",
                .xContentTypeOptions: "nosniff", .xAccelBuffering: "no",
            ],
            body: body
        )
    }

    // MARK: Rollout helpers

    /// The newest `limit` events of a rollout, newest first, and how many it has in all (read in
    /// pages along the `(target, id)` index, keeping only the tail).
    func latestRolloutEvents(_ id: String, limit: Int) async throws -> (events: [AuditEvent], total: Int) {
        let page = 1000
        var kept: [AuditEvent] = []
        var total = 0
        var after: Int64 = 0
        while true {
            let events = try await storage.auditEvents(afterID: after, since: nil, target: "rollout:\(id)", limit: page)
            total += events.count
            kept.append(contentsOf: events)
            if kept.count > limit { kept.removeFirst(kept.count - limit) }
            guard events.count == page, let last = events.last else { break }
            after = last.id
        }
        return (kept.reversed(), total)
    }

    /// A rollout as the live stream sends it: counts per task state overall and per wave, with
    /// the text the page shows, and a `key` that changes when the page's structure would (the
    /// rollout's state, its current wave, a wave's state): the page then reloads itself.
    struct RolloutSummary: Encodable, Equatable {
        struct Wave: Encodable, Equatable {
            var index: Int
            var state: String
            var counts: [String: Int]
            var total: Int
            var text: String
        }
        var id: String
        var state: String
        var reason: String?
        var finished: Bool
        var currentWave: Int
        var currentWaveName: String?
        var counts: [String: Int]
        var total: Int
        var succeeded: Int
        var text: String
        var waves: [Wave]
        var key: String

        init(_ rollout: Rollout) {
            func tally(_ tasks: ArraySlice<HostTask>) -> [String: Int] {
                Dictionary(grouping: tasks, by: \.state.rawValue).mapValues(\.count)
            }
            id = rollout.id
            state = rollout.state.rawValue
            reason = rollout.reason
            finished = rollout.state.isFinished
            currentWave = rollout.currentWave
            currentWaveName =
                rollout.plan.waves.indices.contains(rollout.currentWave)
                ? rollout.plan.waves[rollout.currentWave].name : nil
            counts = tally(rollout.tasks[...])
            total = rollout.tasks.count
            succeeded = counts[HostTask.State.succeeded.rawValue] ?? 0
            text = RolloutSummary.text(counts, total: total)
            waves = rollout.plan.waves.map { wave in
                let range = rollout.taskIndices(ofWave: wave.index)
                let counts = tally(rollout.tasks[range])
                return Wave(
                    index: wave.index,
                    state: rollout.waves[wave.index].state.rawValue,
                    counts: counts,
                    total: range.count,
                    text: RolloutSummary.text(counts, total: range.count)
                )
            }
            key = ([state, String(currentWave)] + waves.map(\.state)).joined(separator: " ")
        }

        /// `2/4 succeeded · 1 leased · 1 pending`.
        static func text(_ counts: [String: Int], total: Int) -> String {
            let succeeded = counts[HostTask.State.succeeded.rawValue] ?? 0
            let others = DashboardController.progressOrder.dropFirst().compactMap { state -> String? in
                guard let count = counts[state.rawValue], count > 0 else { return nil }
                return "\(count) \(state.rawValue)"
            }
            return (["\(succeeded)/\(total) succeeded"] + others).joined(separator: " · ")
        }

        /// One line of JSON (sorted keys, so equal summaries encode equally).
        func json() throws -> String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return String(decoding: try encoder.encode(self), as: UTF8.self)
        }
    }

    /// Task states in the order a progress bar stacks them (pending is the empty track).
    static let progressOrder: [HostTask.State] = [.succeeded, .failed, .rolledBack, .leased, .skipped, .pending]

    /// A stacked bar of task states as inline SVG (CSS classes colour it; no inline styles, which
    /// the dashboard's content security policy forbids). `id` names it for the live script.
    static func progressBar(_ counts: [String: Int], total: Int, id: String?) -> String {
        let label = SVGBarChart.escape(RolloutSummary.text(counts, total: total))
        var svg = "<svg class=\"progress\"\(id.map { " id=\"\($0)\"" } ?? "") viewBox=\"0 0 100 10\""
        svg += " preserveAspectRatio=\"none\" width=\"100%\" height=\"12\" role=\"img\" aria-label=\"\(label)\""
        svg += " xmlns=\"http://www.w3.org/2000/svg\"><title>\(label)</title>"
        svg += "<rect class=\"track\" x=\"0\" y=\"0\" width=\"100\" height=\"10\"/>"
        var x = 0.0
        for state in progressOrder.dropLast() {
            let count = counts[state.rawValue] ?? 0
            let width = total == 0 ? 0 : 100 * Double(count) / Double(total)
            svg += "<rect class=\"seg-\(state.rawValue)\" data-state=\"\(state.rawValue)\" x=\"\(Self.decimal(x))\""
            svg += " y=\"0\" width=\"\(Self.decimal(width))\" height=\"10\"/>"
            x += width
        }
        return svg + "</svg>"
    }

    /// A number with at most two decimals, for SVG coordinates.
    static func decimal(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }

    /// Badge classes: green when done well, amber while under way or waiting, red when it went wrong.
    static func rolloutStateClass(_ state: RolloutState) -> String {
        switch state {
        case .completed: "online"
        case .pending, .running, .paused, .awaitingApproval, .rollingBack: "stale"
        case .rolledBack, .failed, .aborted: "reboot"
        }
    }

    static func waveStateClass(_ state: Rollout.WaveProgress.State) -> String {
        switch state {
        case .passed: "online"
        case .running, .baking, .inconclusive: "stale"
        case .failed: "reboot"
        case .pending, .skipped: ""
        }
    }

    static func taskStateClass(_ state: HostTask.State) -> String {
        switch state {
        case .succeeded: "online"
        case .leased: "stale"
        case .failed, .rolledBack: "reboot"
        case .pending, .skipped: ""
        }
    }

    static func verdictClass(_ outcome: WaveVerdict.Outcome) -> String {
        switch outcome {
        case .pass: "online"
        case .inconclusive: "stale"
        case .fail: "reboot"
        }
    }
}

extension HTTPField.Name {
    /// Tells nginx not to buffer a response (server-sent events must arrive as they are written).
    static let xAccelBuffering = HTTPField.Name("X-Accel-Buffering")!
}
