import AgentProtocol
import ChangeControl
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PatchAPI
import PatchServer
import PatchStore
import RolloutEngine
import Testing

/// The rollout pages and their event stream, on rollouts started through the API (with test agents
/// reporting) or stored directly.
@Suite struct RolloutPagesTests {
    func get(
        _ client: some TestClientProtocol,
        _ path: String,
        as headers: HTTPFields = [:]
    ) async throws
        -> TestResponse
    {
        try await client.execute(uri: path, method: .get, headers: headers)
    }

    /// The page's part about one wave: from its section to the next.
    func waveSection(_ page: String, _ index: Int) throws -> String {
        let start = try #require(page.range(of: "id=\"wave-\(index)\""), "wave \(index) has a section")
        let rest = page[start.upperBound...]
        let end = rest.range(of: "<section")?.lowerBound ?? rest.endIndex
        return String(rest[..<end])
    }

    /// The `data:` lines of an event stream, decoded.
    func events(_ response: TestResponse) throws -> [[String: Any]] {
        try response.text.split(separator: "\n").filter { $0.hasPrefix("data: ") }.map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.dropFirst(6).utf8))
            return try #require(object as? [String: Any])
        }
    }

    /// A rollout of `hosts` (id and hostname, all in `dev`) stored directly, started, its canary
    /// leased; `fail` reports the canary failed with that reason.
    func storedRollout(
        _ harness: Harness,
        id: String = "RO-test",
        hosts: [(String, String)],
        fail reason: String? = nil
    ) async throws -> Rollout {
        let now = harness.clock.now()
        let plan = try RolloutPlanner.plan(
            RolloutRequest(
                changeID: "CHG-7",
                environments: ["dev"],
                hosts: hosts.map {
                    RolloutHost(
                        id: $0.0,
                        hostname: $0.1,
                        environment: "dev",
                        tier: nil,
                        osRelease: "debian 12",
                        scheduleKey: nil
                    )
                },
                ignoreWindows: true,
                notBefore: now
            )
        )
        var rollout = Rollout(id: id, plan: plan, settings: Rollout.Settings())
        _ = try rollout.apply(.start)
        _ = rollout.tick(now: now)
        if let reason {
            let leased = try #require(rollout.tasks.first { $0.state == .leased }?.planID)
            _ = try rollout.report(planID: leased, outcome: .rollbackFailed, reason: reason)
            _ = rollout.tick(now: now)
        }
        try await harness.storage.createRollout(
            rollout,
            events: [
                EventRecord(at: now, actor: "user:operator-user", action: "rollout.started", target: "rollout:\(id)")
            ],
            now: now
        )
        return rollout
    }

    /// Aborts the stored `RO-test` through `storage` (as an operator would), with its event.
    func abortTestRollout(_ storage: SQLStorage, reason: String) async throws {
        _ = try await storage.updateRollout(id: "RO-test") { rollout in
            _ = try rollout.apply(.abort, reason: reason)
            return [
                EventRecord(
                    at: Date(timeIntervalSince1970: 1_800_000_000),
                    actor: "user:operator-user",
                    action: "rollout.abort",
                    target: "rollout:RO-test"
                )
            ]
        }
    }

    @Test func pagesFollowARolloutFromRunningToAFailedCanaryAndItsRollback() async throws {
        let (setup, router) = try await RolloutAPITests.setup()
        let harness = setup.harness
        try await Application(router: router).test(.router) { client in
            let started = try await RolloutAPITests.startRollout(client, setup)
            #expect(started.status == .created, "\(started.text)")
            let id = try started.json(RolloutAPITests.View.self).id
            let stored = try #require(try await harness.storage.rollout(id: id))
            #expect(stored.plan.waves.count > 1)

            let list = try await get(client, "/rollouts", as: harness.bearer(.viewer))
            #expect(list.status == .ok)
            #expect(list.text.contains(#"<a href="/rollouts" class="active">Rollouts</a>"#))
            #expect(list.text.contains(#"<a href="/rollouts/\#(id)">\#(id)</a>"#))
            #expect(list.text.contains(#"<a href="/changes/\#(setup.changeID)">\#(setup.changeID)</a>"#))
            #expect(list.text.contains(#"<span class="badge stale">running</span>"#))
            #expect(list.text.contains("0/4 succeeded · 1 leased · 3 pending"))
            #expect(list.text.contains(#"<svg class="progress""#))
            let active = try await get(client, "/rollouts?active=true", as: harness.bearer(.viewer))
            #expect(active.text.contains(id))

            let running = try await get(client, "/rollouts/\(id)", as: harness.bearer(.viewer))
            #expect(running.status == .ok)
            let page = running.text
            #expect(page.contains(#"<meta http-equiv="refresh" content="5">"#), "refreshes itself while running")
            #expect(page.contains(#"data-events="/rollouts/\#(id)/events""#))
            let policy = try #require(running.headers[.contentSecurityPolicy])
            let nonce = try #require(policy.split(separator: "'nonce-").last?.prefix { $0 != "'" })
            #expect(page.contains(#"<script nonce="\#(nonce)">"#), "the live script runs by the header's nonce")
            for wave in stored.plan.waves {
                let section = try waveSection(page, wave.index)
                #expect(section.contains("Wave \(wave.index): \(wave.name) "))
                #expect(section.contains(">\(wave.index == 0 ? "running" : "pending")</span>"), "\(wave.name)")
                #expect(section.contains(wave.environment))
                for host in wave.hosts {
                    #expect(section.contains(">\(try #require(stored.plan.hostnames[host]))</td>"), "\(wave.name)")
                }
            }
            #expect(page.contains("rollout.started"), "the rollout's events are listed")

            let stream = try await get(client, "/rollouts/\(id)/events?once=1", as: harness.bearer(.viewer))
            #expect(stream.status == .ok)
            #expect(stream.headers[.contentType]?.hasPrefix("text/event-stream") == true)
            let first = try #require(try events(stream).first)
            #expect(first["state"] as? String == "running")
            #expect(first["id"] as? String == id)
            #expect(first["currentWave"] as? Int == 0)
            #expect((first["counts"] as? [String: Int])?["leased"] == 1)
            #expect(try events(stream).count == 1, "once=1 sends one event and closes")

            // The canary fails and its agent cannot undo it: the rollout rolls it back.
            let canary = try #require(setup.agents["dev-1"])
            let plan = try #require(try await RolloutAPITests.fetchPlan(client, canary, harness))
            try await RolloutAPITests.report(client, canary, setup, plan: plan, outcome: .rollbackFailed)
            let rollback = try #require(try await RolloutAPITests.fetchPlan(client, canary, harness))
            try await RolloutAPITests.report(client, canary, setup, plan: rollback, outcome: .completed)

            let finished = try await get(client, "/rollouts/\(id)", as: harness.bearer(.viewer)).text
            #expect(!finished.contains("http-equiv=\"refresh\""), "a finished rollout does not refresh")
            #expect(!finished.contains("<script"), "nor follow the event stream")
            #expect(finished.contains(#"<span class="badge reboot">rolled-back</span>"#))
            let canaryWave = try waveSection(finished, 0)
            #expect(canaryWave.contains(">failed</span>"))
            #expect(canaryWave.contains(#"<span class="badge reboot">fail</span>"#))
            #expect(canaryWave.contains("<li>canary \(canary.hostID) failed: postcheck: probe failed</li>"))
            #expect(canaryWave.contains("rollback-failed: postcheck: probe failed"), "the task's reason")
            for index in stored.plan.waves.indices.dropFirst() {
                #expect(try waveSection(finished, index).contains(">skipped</span>"))
            }
            #expect(finished.contains("rollout.wave_verdict"))
            let rollbackTable = try #require(finished.components(separatedBy: "<h2>Rollback tasks</h2>").last)
            #expect(rollbackTable.prefix(600).contains(">dev-1</td>"))
            #expect(rollbackTable.prefix(600).contains(">succeeded</span>"))

            // A finished rollout's stream sends its state once and ends, with no `once` needed.
            let ended = try await get(client, "/rollouts/\(id)/events", as: harness.bearer(.viewer))
            #expect(try events(ended).map { $0["state"] as? String } == ["rolled-back"])
            #expect(try events(ended).first?["finished"] as? Bool == true)

            let listed = try await get(client, "/rollouts", as: harness.bearer(.viewer)).text
            #expect(listed.contains(#"<span class="badge reboot">rolled-back</span>"#))
            #expect(
                try await get(client, "/rollouts?active=true", as: harness.bearer(.viewer)).text.contains(id) == false
            )
        }
    }

    @Test func streamSendsAChangeAsItHappensAndEndsWhenTheRolloutFinishes() async throws {
        // The change must happen while the stream is open. Under load the request may reach the
        // handler only after the abort (then the stream rightly sends just "aborted"): try again
        // with a longer wait, and require one attempt that saw the change happen.
        var observedChange = false
        for wait in [1500, 3000, 6000] where !observedChange {
            let harness = try await Harness.make()
            _ = try await storedRollout(harness, hosts: [("h1", "db-1"), ("h2", "db-2")])
            observedChange = try await harness.application().test(.router) { client in
                async let answer = get(client, "/rollouts/RO-test/events", as: harness.bearer(.viewer))
                try await Task.sleep(for: .milliseconds(wait))
                try await abortTestRollout(harness.storage, reason: "window closing")
                let stream = try await answer
                #expect(stream.text.hasPrefix("retry: 5000\n"))
                let sent = try events(stream)
                let states = sent.map { $0["state"] as? String }
                #expect(states == ["running", "aborted"] || states == ["aborted"])
                #expect(sent.last?["reason"] as? String == "window closing")
                #expect((sent.last?["counts"] as? [String: Int])?["skipped"] == 1)
                #expect(sent.last?["text"] as? String == "0/2 succeeded · 1 leased · 1 skipped")
                return states == ["running", "aborted"]
            }
        }
        #expect(observedChange, "the stream never was open when the rollout changed")
    }

    /// A change written by another replica reaches a stream open on this one at once — by the
    /// store's notifications (LISTEN/NOTIFY on PostgreSQL), not by polling: the stream's fallback
    /// re-read is set to 10 minutes here, so only a notification can end it in time.
    @Test func streamHearsAChangeAnotherReplicaWrote() async throws {
        var observedChange = false
        for wait in [1000, 3000, 6000] where !observedChange {
            let harness = try await Harness.make { $0.liveUpdateFallbackSeconds = 600 }
            // On SQLite one process owns the file: the other "replica" is this store.
            let other = harness.databaseURL == nil ? harness.storage : try await harness.reopen()
            _ = try await storedRollout(harness, hosts: [("h1", "db-1"), ("h2", "db-2")])
            observedChange = try await harness.application().test(.router) { client in
                let states = try await withThrowingTaskGroup(of: [String?]?.self) { group in
                    group.addTask {
                        let stream = try await get(client, "/rollouts/RO-test/events", as: harness.bearer(.viewer))
                        return try events(stream).map { $0["state"] as? String }
                    }
                    group.addTask {
                        try await Task.sleep(for: .seconds(120))
                        return nil
                    }
                    try await Task.sleep(for: .milliseconds(wait))
                    try await abortTestRollout(other, reason: "from the other replica")
                    let first = try await group.next() ?? nil
                    group.cancelAll()
                    return first
                }
                let sent = try #require(states, "the stream did not hear the change within 2 minutes")
                #expect(sent == ["running", "aborted"] || sent == ["aborted"])
                return sent == ["running", "aborted"]
            }
            if other !== harness.storage { await other.close() }
        }
        #expect(observedChange, "the stream never was open when the rollout changed")
    }

    @Test func viewerReadsAnonymousIsSentToLogin() async throws {
        let harness = try await Harness.make()
        _ = try await storedRollout(harness, hosts: [("h1", "db-1")])
        try await harness.application().test(.router) { client in
            for path in ["/rollouts", "/rollouts/RO-test", "/rollouts/RO-test/events?once=1"] {
                let anonymous = try await get(client, path)
                #expect(anonymous.status == .seeOther, "\(path)")
                #expect(anonymous.headers[.location] == "/login", "\(path)")
                let viewer = try await get(client, path, as: harness.bearer(.viewer))
                #expect(viewer.status == .ok, "\(path)")
            }
            #expect(try await get(client, "/rollouts/RO-none", as: harness.bearer(.viewer)).status == .notFound)
            #expect(
                try await get(client, "/rollouts/RO-none/events?once=1", as: harness.bearer(.viewer)).status
                    == .notFound
            )
            let empty = try await get(client, "/rollouts?active=true", as: harness.bearer(.viewer))
            #expect(empty.text.contains("RO-test"))
        }
    }

    @Test func hostileHostnamesAndReasonsAreEscaped() async throws {
        let harness = try await Harness.make()
        let hostile = #"<script>alert("pwned")</script>"#
        let reason = #"<img src=x onerror=alert(1)>"#
        let rollout = try await storedRollout(
            harness,
            hosts: [("h1", hostile), ("h2", "db-2"), ("h3", "db-3")],
            fail: reason
        )
        #expect(rollout.state == .rollingBack)
        try await harness.application().test(.router) { client in
            let page = try await get(client, "/rollouts/RO-test", as: harness.bearer(.viewer))
            #expect(page.status == .ok)
            #expect(!page.text.contains(hostile))
            #expect(!page.text.contains(reason))
            #expect(page.text.contains("&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;"))
            #expect(page.text.contains("&lt;img src=x onerror=alert(1)&gt;"))
            let list = try await get(client, "/rollouts", as: harness.bearer(.viewer))
            #expect(!list.text.contains("<img"))
        }
    }
}
