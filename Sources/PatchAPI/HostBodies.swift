import AgentProtocol

/// `PUT /api/v1/hosts/{id}/labels`.
public struct HostLabelsRequest: APIRequestBody, Hashable, Encodable {
    public var labels: [String: String]
    public var tags: [String]

    public init(labels: [String: String], tags: [String]) {
        self.labels = labels
        self.tags = tags
    }

    public func validate() throws {
        try InputBounds.count(labels.count, "labels", atMost: 256)
        try InputBounds.count(tags.count, "tags", atMost: 256)
        for (key, value) in labels {
            try TextField.check(key, "labels key", max: 63)
            try TextField.check(value, "labels.\(key)", max: 253)
        }
        for (index, tag) in tags.enumerated() { try TextField.check(tag, "tags[\(index)]", max: 63) }
    }
}

/// What a person or the rollout engine asks for (`POST /api/v1/hosts/{id}/plans`); the server adds
/// host, id, sequence, times and signs.
public struct PlanDraft: APIRequestBody, Codable, Hashable {
    /// Package targets (exact versions).
    public var packages: [PlanPackage]
    /// Pre-checks.
    public var preChecks: [PlanCheck]?
    /// Snapshot command.
    public var snapshotCommand: [String]?
    /// Post-checks (default: installed versions match the plan).
    public var postChecks: [PlanCheck]?
    /// Reboot policy (default if-required).
    public var reboot: RebootPolicy?
    /// Time budget in seconds (default 3600).
    public var timeBudgetSeconds: Int?
    /// Rollback recipe (default automatic).
    public var rollback: RollbackRecipe?
    /// How long the agent may start it, in seconds (default one day).
    public var validForSeconds: Int?

    /// Creates a draft.
    public init(packages: [PlanPackage], reboot: RebootPolicy? = nil, validForSeconds: Int? = nil) {
        self.packages = packages
        self.reboot = reboot
        self.validForSeconds = validForSeconds
    }

    /// Every string, number and count: the agent runs what the server signs, so nothing that could
    /// overflow or exhaust an agent (hours to seconds, ports, sizes) is signed.
    public func validate() throws {
        guard !packages.isEmpty else { throw APIInputError(field: "packages", "must name at least one package") }
        try InputBounds.count(packages.count, "packages", atMost: 10_000)
        for (index, package) in packages.enumerated() {
            try TextField.check(package.name, "packages[\(index)].name", max: 256)
            try TextField.check(package.version, "packages[\(index)].version", max: 256)
            try TextField.checkLength(package.architecture, "packages[\(index)].architecture", max: 64)
            if let artifact = package.artifact {
                guard artifact.sha256.utf8.count == 64, artifact.sha256.allSatisfy(\.isHexDigit) else {
                    throw APIInputError(field: "packages[\(index)].artifact.sha256", "must be 64 hex digits")
                }
                try TextField.check(artifact.url, "packages[\(index)].artifact.url", max: 2048)
            }
        }
        try Self.validateChecks(preChecks: preChecks, postChecks: postChecks)
        try InputBounds.check(timeBudgetSeconds ?? 3600, "timeBudgetSeconds", in: 60...(7 * 86400))
        try InputBounds.check(validForSeconds ?? 86400, "validForSeconds", in: 60...(30 * 86400))
        try InputBounds.count(snapshotCommand?.count ?? 0, "snapshotCommand", atMost: 256)
        for (index, argument) in (snapshotCommand ?? []).enumerated() {
            try TextField.checkLength(argument, "snapshotCommand[\(index)]", max: 4096)
        }
        try InputBounds.count(
            rollback?.snapshotRevertCommand?.count ?? 0,
            "rollback.snapshotRevertCommand",
            atMost: 256
        )
    }

    /// Bounds on checks: counts, sizes, ports, statuses, ages.
    public static func validateChecks(preChecks: [PlanCheck]?, postChecks: [PlanCheck]?) throws {
        for (name, checks) in [("preChecks", preChecks ?? []), ("postChecks", postChecks ?? [])] {
            try InputBounds.count(checks.count, name, atMost: 100)
            for (index, check) in checks.enumerated() {
                let field = "\(name)[\(index)]"
                switch check {
                case .freeSpace(let path, let bytes):
                    try TextField.check(path, "\(field).path", max: 4096)
                    try InputBounds.check(bytes, "\(field).minimumBytes", in: 0...(1 << 60))
                case .backupMarker(let path, let hours):
                    try TextField.check(path, "\(field).path", max: 4096)
                    try InputBounds.check(hours, "\(field).maximumAgeHours", in: 1...(100 * 366 * 24))
                case .command(let arguments, _):
                    try InputBounds.check(arguments.count, "\(field).arguments", in: 1...256)
                    for (position, argument) in arguments.enumerated() {
                        try TextField.checkLength(argument, "\(field).arguments[\(position)]", max: 4096)
                    }
                case .httpGet(let url, let status, let body):
                    try TextField.check(url, "\(field).url", max: 2048)
                    try InputBounds.check(status, "\(field).expectedStatus", in: 100...599)
                    try TextField.checkLength(body, "\(field).bodyContains", max: 4096)
                case .tcpConnect(let host, let port):
                    try TextField.check(host, "\(field).host", max: 253)
                    try InputBounds.check(port, "\(field).port", in: 1...65535)
                case .serviceActive(let unit): try TextField.check(unit, "\(field).unit", max: 256)
                case .packageManagerLockFree, .packagesConsistent, .installedVersionsMatchPlan: break
                }
            }
        }
    }
}
