import ChangeControl
import FleetModel
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Mustache
import NIOCore
import PatchAPI
import PatchStore
import SecurityAdvisories

/// Server-rendered dashboard pages: login, fleet overview, hosts table, host page. Works without JavaScript.
struct DashboardController: Sendable {
    let identities: IdentityService
    let fleet: FleetController
    let storage: any PatchStorage
    let clock: any WallClock
    let configuration: ServerConfiguration
    let changes: ChangeService
    let compliance: ComplianceService
    let audit: AuditService
    /// The API's routes: the dashboard's forms act through them (``SecuredRoutes/dispatch(_:path:body:context:)``).
    let routes: SecuredRoutes
    let library: MustacheLibrary
    let stylesheet: ByteBuffer
    let faviconSVG: ByteBuffer
    let faviconICO: ByteBuffer
    let unauthenticatedBodies: BodyBudget

    init(
        unauthenticatedBodies: BodyBudget,
        identities: IdentityService,
        fleet: FleetController,
        storage: any PatchStorage,
        clock: any WallClock,
        configuration: ServerConfiguration,
        changes: ChangeService,
        compliance: ComplianceService,
        audit: AuditService,
        routes: SecuredRoutes
    ) async throws {
        guard let resources = Bundle.module.url(forResource: "Resources", withExtension: nil) else {
            throw Problem(.internalServerError, "dashboard resources are missing from the server bundle")
        }
        self.unauthenticatedBodies = unauthenticatedBodies
        self.identities = identities
        self.fleet = fleet
        self.storage = storage
        self.clock = clock
        self.configuration = configuration
        self.changes = changes
        self.compliance = compliance
        self.audit = audit
        self.routes = routes
        self.library = try await MustacheLibrary(directory: resources.appendingPathComponent("templates").path)
        self.stylesheet = ByteBuffer(bytes: try Data(contentsOf: resources.appendingPathComponent("app.css")))
        self.faviconSVG = ByteBuffer(bytes: try Data(contentsOf: resources.appendingPathComponent("favicon.svg")))
        self.faviconICO = ByteBuffer(bytes: try Data(contentsOf: resources.appendingPathComponent("favicon.ico")))
    }

    func addRoutes(to authenticated: RouterGroup<AppRequestContext>, public router: Router<AppRequestContext>) {
        let css = stylesheet
        router.get("static/app.css") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "max-age=3600"],
                body: .init(byteBuffer: css)
            )
        }
        let svg = faviconSVG
        let ico = faviconICO
        router.get("static/favicon.svg") { _, _ in Self.icon(svg, type: "image/svg+xml") }
        router.get("favicon.ico") { _, _ in Self.icon(ico, type: "image/x-icon") }
        router.get("login") { request, _ in try loginPage(request: request, error: nil, username: "") }
        router.post("login", use: login)
        let pages = authenticated.group().add(middleware: DashboardFlashMiddleware(secure: configuration.usesTLS))
        pages.post("logout", use: logout)
        pages.get("", use: overview)
        pages.get("hosts", use: hostsPage)
        pages.get("hosts/:id", use: hostPage)
        addFindingsRoutes(to: pages)
        addAdvisoryRoutes(to: pages)
        addAuditRoutes(to: pages)
        addUserRoutes(to: pages)
        addPolicyRoutes(to: pages)
        addChangeRoutes(to: pages)
        addRolloutRoutes(to: pages)
        addTokenRoutes(to: pages)
        addRolloutPreviewRoutes(to: pages)
        addActionRoutes(to: pages)
    }

    static func icon(_ body: ByteBuffer, type: String) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: type, .cacheControl: "max-age=86400"],
            body: .init(byteBuffer: body)
        )
    }

    // MARK: Sign-in

    struct LoginForm: Decodable {
        var username: String
        var password: String
        var csrf: String
    }

    static let loginCSRFCookie = "pp_login_csrf"

    func loginPage(request: Request, error: String?, username: String) throws -> Response {
        let token = BearerSecret.randomToken(bytes: 16)
        var data: [String: Any] = ["csrf": token, "username": username]
        if let error { data["error"] = error }
        var response = html(library.render(data, withTemplate: "login"), status: error == nil ? .ok : .unauthorized)
        response.setCookie(
            Cookie(
                name: Self.loginCSRFCookie,
                value: token,
                path: "/login",
                secure: configuration.usesTLS,
                httpOnly: true,
                sameSite: .strict
            )
        )
        return response
    }

    @Sendable func login(_ request: Request, context: AppRequestContext) async throws -> Response {
        let body = try await JSONBody.collect(request, limit: 16 * 1024, budget: unauthenticatedBodies)
        guard
            let form = try? URLEncodedFormDecoder().decode(LoginForm.self, from: String(decoding: body, as: UTF8.self))
        else { return try loginPage(request: request, error: "Enter a username and a password.", username: "") }
        guard let cookie = request.cookies[Self.loginCSRFCookie], constantTimeEquals(cookie.value, form.csrf) else {
            return try loginPage(
                request: request,
                error: "The form expired; please try again.",
                username: form.username
            )
        }
        let user: UserRecord
        switch try await identities.login(
            username: form.username,
            password: form.password,
            source: context.sourceAddress
        ) {
        case .success(let found): user = found
        case .failure:
            return try loginPage(request: request, error: "Wrong username or password.", username: form.username)
        case .throttled(let until):
            var page = try loginPage(
                request: request,
                error: "Too many failed attempts; try again after \(ISO8601DateFormatter().string(from: until)).",
                username: form.username
            )
            page.status = .tooManyRequests
            page.headers[.retryAfter] = String(max(1, Int(until.timeIntervalSince(clock.now()).rounded(.up))))
            return page
        }
        let value = try await identities.startSession(
            userID: user.id,
            lifetime: TimeInterval(configuration.sessionLifetimeSeconds)
        )
        var response = Response(status: .seeOther, headers: [.location: "/"])
        response.setCookie(
            Cookie(
                name: SessionCookie.name,
                value: value,
                maxAge: configuration.sessionLifetimeSeconds,
                path: "/",
                secure: configuration.usesTLS,
                httpOnly: true,
                sameSite: .strict
            )
        )
        return response
    }

    @Sendable func logout(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let identity = context.identity, case .session(let id, let csrf) = identity.credential else {
            return Response(status: .seeOther, headers: [.location: "/login"])
        }
        try await checkFormCSRF(request, expected: csrf)
        try await storage.deleteSession(id: id)
        var response = Response(status: .seeOther, headers: [.location: "/login"])
        response.setCookie(
            Cookie(
                name: SessionCookie.name,
                value: "",
                maxAge: 0,
                path: "/",
                secure: configuration.usesTLS,
                httpOnly: true,
                sameSite: .strict
            )
        )
        return response
    }

    func checkFormCSRF(_ request: Request, expected: String) async throws {
        struct Form: Decodable { var csrf: String }
        let body = try await JSONBody.collect(request, limit: 16 * 1024)
        guard let form = try? URLEncodedFormDecoder().decode(Form.self, from: String(decoding: body, as: UTF8.self)),
            constantTimeEquals(form.csrf, expected)
        else { throw Problem.forbidden("missing or wrong CSRF token in form") }
    }

    // MARK: Pages

    @Sendable func overview(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let identity = context.identity else { return redirectToLogin() }
        guard identity.has(.fleetRead) else {
            throw Problem.forbidden("\(identity.username) cannot read the fleet")
        }
        let summary = try await fleet.summary()
        let risk = try await storage.riskSummary()
        let severities: [Severity] = [.critical, .high, .medium, .low, .unknown]
        let severityColors = ["#c53030", "#dd6b20", "#b7791f", "#1f8a4c", "#718096"]
        let severityChart = SVGBarChart(
            bars: severities.enumerated().map { index, severity in
                .init(
                    label: severity.rawValue,
                    value: risk.bySeverity[severity.rawValue] ?? 0,
                    color: severityColors[index]
                )
            }
        ).render()
        let osRows = summary.byOS.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
        let palette = ["#2457c5", "#1f8a4c", "#b7791f", "#805ad5", "#c53030", "#2c7a7b", "#718096"]
        let osChart = SVGBarChart(
            bars: osRows.enumerated().map { index, row in
                .init(label: row.key, value: row.value, color: palette[index % palette.count])
            }
        ).render()
        let buckets = ["<1h", "1-24h", "1-7d", ">7d"]
        let bucketColors = ["#1f8a4c", "#b7791f", "#dd6b20", "#c53030"]
        let lastSeenChart = SVGBarChart(
            bars: buckets.enumerated().map { index, bucket in
                .init(label: bucket, value: summary.lastSeenBuckets[bucket] ?? 0, color: bucketColors[index])
            }
        ).render()
        var data = page(identity, title: "Overview")
        data["navOverview"] = true
        data["summary"] = [
            "hosts": summary.hosts, "online": summary.online, "stale": summary.stale,
            "rebootPending": summary.rebootPending, "activeAgents": summary.activeAgents,
        ]
        data["staleWindow"] = Self.duration(fleet.onlineWindow)
        data["osChart"] = osChart
        data["severityChart"] = severityChart
        data["risk"] = [
            "knownExploited": risk.knownExploited, "hostsWithKnownExploited": risk.hostsWithKnownExploited,
            "critical": risk.bySeverity["critical"] ?? 0, "hostsWithCritical": risk.hostsWithCritical,
            "fixable": risk.fixable, "advisories": risk.advisories,
        ]
        data["lastSeenChart"] = lastSeenChart
        data["osRows"] = osRows.map { row -> [String: Any] in
            let parts = row.key.split(separator: " ", maxSplits: 1).map(String.init)
            return [
                "label": row.key, "count": row.value, "osID": parts.first ?? "",
                "versionID": parts.count > 1 ? parts[1] : "",
            ]
        }
        return html(library.render(data, withTemplate: "overview"))
    }

    @Sendable func hostsPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let identity = context.identity else { return redirectToLogin() }
        guard identity.has(.fleetRead) else {
            throw Problem.forbidden("\(identity.username) cannot read the fleet")
        }
        let parameters = request.uri.queryParameters
        let query = try HostQueryParser.parse(parameters, now: clock.now(), onlineWindow: fleet.onlineWindow)
        if parameters["format"] == "csv" { return try await hostsCSV(query) }
        let page = try await storage.hosts(query)
        let summary = try await fleet.summary()
        let onlineSince = fleet.onlineSince()
        let now = clock.now()
        var data = self.page(identity, title: "Hosts")
        data["navHosts"] = true
        data["total"] = page.total
        data["search"] = query.search ?? ""
        data["version"] = query.osVersionID ?? ""
        data["stateOnline"] = parameters["state"] == "online"
        data["stateStale"] = parameters["state"] == "stale"
        data["rebootTrue"] = query.rebootRequired == true
        data["rebootFalse"] = query.rebootRequired == false
        let osIDs = Set(summary.byOS.keys.compactMap { $0.split(separator: " ").first.map(String.init) }).sorted()
        data["osOptions"] = osIDs.map { ["value": $0, "selected": $0 == query.osID] as [String: Any] }
        let columns: [(HostQuery.SortKey, String)] = [
            (.hostname, "Host"), (.os, "OS"), (.kernel, "Kernel"), (.packages, "Packages"), (.lastSeen, "Last seen"),
        ]
        data["columns"] = columns.map { key, label -> [String: Any] in
            let active = query.sort == key
            let order = active && !query.descending ? "desc" : "asc"
            return [
                "label": label,
                "href": Self.link("/hosts", parameters, ["sort": key.rawValue, "order": order, "offset": "0"]),
                "arrow": active ? (query.descending ? " ▼" : " ▲") : "",
            ]
        }
        data["hosts"] = page.hosts.map { host -> [String: Any] in
            [
                "id": host.id, "hostname": host.facts.hostname,
                "os": "\(host.facts.os.id) \(host.facts.os.versionID)", "kernel": host.facts.kernelRunning,
                "packages": host.packageCount,
                "lastSeenAgo": Self.duration(now.timeIntervalSince(host.lastSeen)) + " ago",
                "lastSeenISO": ISO8601DateFormatter().string(from: host.lastSeen),
                "state": host.lastSeen >= onlineSince ? "online" : "stale", "reboot": host.facts.rebootRequired,
            ]
        }
        data["from"] = page.total == 0 ? 0 : query.offset + 1
        data["to"] = query.offset + page.hosts.count
        if query.offset > 0 {
            data["prev"] = Self.link("/hosts", parameters, ["offset": String(max(0, query.offset - query.limit))])
        }
        if query.offset + page.hosts.count < page.total {
            data["next"] = Self.link("/hosts", parameters, ["offset": String(query.offset + query.limit)])
        }
        data["csv"] = Self.link("/hosts", parameters, ["format": "csv", "offset": ""])
        return html(library.render(data, withTemplate: "hosts"))
    }

    /// Every host matching `query` (up to ``CSVTable/maxRows``), as CSV.
    func hostsCSV(_ query: HostQuery) async throws -> Response {
        var table = CSVTable(header: [
            "id", "hostname", "os", "os_version", "kernel", "packages", "last_seen", "state", "reboot_required",
        ])
        let stamp = ISO8601DateFormatter()
        let onlineSince = fleet.onlineSince()
        try await table.appendPages(
            fetch: { offset, limit in
                var page = query
                (page.offset, page.limit) = (offset, limit)
                return try await storage.hosts(page).hosts
            },
            row: { host in
                [
                    host.id, host.facts.hostname, host.facts.os.id, host.facts.os.versionID, host.facts.kernelRunning,
                    String(host.packageCount), stamp.string(from: host.lastSeen),
                    host.lastSeen >= onlineSince ? "online" : "stale", host.facts.rebootRequired ? "true" : "false",
                ]
            }
        )
        return table.response(filename: "hosts.csv")
    }

    @Sendable func hostPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let identity = context.identity else { return redirectToLogin() }
        guard identity.has(.fleetRead) else {
            throw Problem.forbidden("\(identity.username) cannot read the fleet")
        }
        let host = try await fleet.requireHost(context)
        let filter = request.uri.queryParameters["package"].map(String.init) ?? ""
        var packages = try await storage.inventory(hostID: host.id).packages
        let packageCount = packages.count
        if !filter.isEmpty { packages = packages.filter { $0.name.contains(filter) || $0.sourceName.contains(filter) } }
        // The packages a page shows: 100 at a time, `poffset` where it starts.
        let parameters = request.uri.queryParameters
        let pageSize = 100
        let matching = packages.count
        let packageOffset =
            try QueryParameters(parameters.map { (String($0.key), String($0.value)) })
            .integer("poffset", in: 0...InputBounds.maximumOffset) ?? 0
        packages = Array(packages.dropFirst(packageOffset).prefix(pageSize))
        let history = try await storage.inventoryHistory(hostID: host.id, limit: 25, offset: 0)
        var findingQuery = FindingQuery()
        findingQuery.hostID = host.id
        findingQuery.limit = 100
        let (findings, findingTotal) = try await storage.findings(findingQuery)
        let formatter = ISO8601DateFormatter()
        let facts = host.facts
        var data = page(identity, title: facts.hostname)
        data["navHosts"] = true
        data["state"] = host.lastSeen >= fleet.onlineSince() ? "online" : "stale"
        if let original = host.duplicateOf { data["duplicateOf"] = original }
        data["host"] =
            [
                "id": host.id, "hostname": facts.hostname, "osPretty": facts.os.prettyName, "osID": facts.os.id,
                "osVersion": facts.os.versionID, "codename": facts.os.versionCodename,
                "architecture": facts.architecture,
                "kernel": facts.kernelRunning, "kernelNewest": facts.kernelNewestInstalled ?? "unknown",
                "reboot": facts.rebootRequired,
                "rebootPackages": facts.rebootRequiredPackages.isEmpty
                    ? "—" : facts.rebootRequiredPackages.joined(separator: ", "),
                "uptime": Self.duration(facts.uptimeSeconds), "machineID": facts.machineID, "bootID": facts.bootID,
                "firstSeen": formatter.string(from: host.firstSeen), "lastSeen": formatter.string(from: host.lastSeen),
                "fingerprint": host.inventoryFingerprint ?? "none yet",
            ] as [String: Any]
        data["labelsText"] = host.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(
            separator: "\n"
        )
        data["tagsText"] = host.tags.joined(separator: ", ")
        data["canLabel"] = identity.has(.hostsManage)
        data["packageCount"] = packageCount
        data["findingTotal"] = findingTotal
        data["findings"] = try await findingRows(findings, withHosts: false)
        data["packageFilter"] = filter
        data["packageMatching"] = matching
        data["packageFrom"] = matching == 0 ? 0 : min(packageOffset + 1, matching)
        data["packageTo"] = min(packageOffset + packages.count, matching)
        let hostPath = "/hosts/\(host.id)"
        if packageOffset > 0 {
            data["packagePrev"] = Self.link(hostPath, parameters, ["poffset": String(max(0, packageOffset - pageSize))])
        }
        if packageOffset + packages.count < matching {
            data["packageNext"] = Self.link(hostPath, parameters, ["poffset": String(packageOffset + pageSize)])
        }
        if findingTotal > findings.count { data["moreFindings"] = "/findings?host=\(host.id)" }
        data["packages"] = packages.map { package -> [String: Any] in
            [
                "name": package.name, "architecture": package.architecture, "version": package.version,
                "sourceName": package.sourceName, "sourceVersion": package.sourceVersion,
                "state": package.state.rawValue, "notInstalled": !package.state.countsAsInstalled,
            ]
        }
        data["history"] = history.map { change -> [String: Any] in
            [
                "at": formatter.string(from: change.at), "kind": change.kind.rawValue, "name": change.name,
                "architecture": change.architecture, "old": change.oldVersion ?? "", "new": change.newVersion ?? "",
            ]
        }
        return html(library.render(data, withTemplate: "host"))
    }

    // MARK: Helpers

    func page(_ identity: Identity, title: String) -> [String: Any] {
        var csrf = ""
        if case .session(_, let token) = identity.credential { csrf = token }
        var data: [String: Any] = [
            "title": title, "username": identity.username, "role": identity.roleName, "csrf": csrf,
        ]
        if let flash = DashboardFlash.current {
            data["flash"] = ["message": flash.message, "isError": flash.isError]
        }
        return data
    }

    func html(_ text: String?, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [
                .contentType: "text/html; charset=utf-8",
                .contentSecurityPolicy:
                    "default-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'",
                .xContentTypeOptions: "nosniff",
                .cacheControl: "no-store",
            ],
            body: .init(byteBuffer: ByteBuffer(string: text ?? "template error"))
        )
    }

    func redirectToLogin() -> Response { Response(status: .seeOther, headers: [.location: "/login"]) }

    static func link(
        _ path: String,
        _ parameters: FlatDictionary<Substring, Substring>,
        _ overrides: [String: String]
    ) -> String {
        var values: [String: String] = [:]
        for (key, value) in parameters { values[String(key)] = String(value) }
        for (key, value) in overrides { values[key] = value }
        let query = values.filter { !$0.value.isEmpty }.sorted { $0.key < $1.key }.map { key, value in
            "\(key)=\(value.addingPercentEncoding(withAllowedCharacters: .urlQueryValueAllowed) ?? value)"
        }.joined(separator: "&")
        return query.isEmpty ? path : "\(path)?\(query)"
    }

    static func duration(_ seconds: Double) -> String {
        let seconds = InputBounds.wholeSeconds(seconds)
        if seconds < 60 { return "\(seconds)s" }
        if seconds < 3600 { return "\(seconds / 60)m" }
        if seconds < 86400 { return "\(seconds / 3600)h \(seconds % 3600 / 60)m" }
        return "\(seconds / 86400)d \(seconds % 86400 / 3600)h"
    }
}

extension CharacterSet {
    static let urlQueryValueAllowed: CharacterSet = {
        var set = CharacterSet.alphanumerics
        set.insert(charactersIn: "-._~")
        return set
    }()
}

extension HTTPField.Name {
    static let xContentTypeOptions = HTTPField.Name("X-Content-Type-Options")!
}
