import FleetModel

/// What to do with one package.
public enum PlanAction: String, Sendable, Hashable, Codable, CaseIterable {
    /// Install the exact version (new package).
    case install
    /// Upgrade to the exact version.
    case upgrade
    /// Downgrade to the exact version.
    case downgrade
    /// Hold the package at its installed version.
    case hold
}

/// A package artifact to fetch (from a repository, the server or a relay), with its digest.
public struct PlanArtifact: Sendable, Hashable, Codable {
    /// Where to fetch it.
    public var url: String
    /// Lowercase hex SHA-256 the fetched bytes must have.
    public var sha256: String

    /// Creates an artifact reference.
    public init(url: String, sha256: String) {
        self.url = url
        self.sha256 = sha256
    }
}

/// One package target of a plan: exact version, never "latest".
public struct PlanPackage: Sendable, Hashable, Codable {
    /// Binary package name.
    public var name: String
    /// Architecture, when it matters (multi-arch).
    public var architecture: String?
    /// The exact version (Debian) or EVR (RPM) to end up with.
    public var version: String
    /// What to do.
    public var action: PlanAction
    /// The artifact, when installing from a local file rather than a repository.
    public var artifact: PlanArtifact?

    /// Creates a target.
    public init(
        name: String,
        architecture: String? = nil,
        version: String,
        action: PlanAction,
        artifact: PlanArtifact? = nil
    ) {
        self.name = name
        self.architecture = architecture
        self.version = version
        self.action = action
        self.artifact = artifact
    }
}

/// A check run before or after applying a plan.
public enum PlanCheck: Sendable, Hashable, Codable {
    /// At least `minimumBytes` free on the file system holding `path`.
    case freeSpace(path: String, minimumBytes: Int64)
    /// The package manager's lock is free.
    case packageManagerLockFree
    /// The packages concerned are consistent (`dpkg --audit`, `rpm -V`).
    case packagesConsistent
    /// A systemd unit is active.
    case serviceActive(unit: String)
    /// A marker file (written by the backup job) is newer than `maximumAgeHours`.
    case backupMarker(path: String, maximumAgeHours: Int)
    /// A command exits with `expectedExitCode`.
    case command(arguments: [String], expectedExitCode: Int32)
    /// An HTTP GET answers `expectedStatus` and, if set, a body containing `bodyContains`.
    case httpGet(url: String, expectedStatus: Int, bodyContains: String?)
    /// A TCP connection to `host:port` succeeds.
    case tcpConnect(host: String, port: Int)
    /// The installed versions are exactly the plan's (post-check).
    case installedVersionsMatchPlan
}

/// When to reboot after applying.
public enum RebootPolicy: String, Sendable, Hashable, Codable {
    /// Never reboot.
    case never
    /// Reboot when the system says it is required.
    case ifRequired = "if-required"
    /// Always reboot.
    case always
}

/// What to do when a post-check fails.
public struct RollbackRecipe: Sendable, Hashable, Codable {
    /// Whether the agent may roll back by itself.
    public var automatic: Bool
    /// Command run on rollback (e.g. revert an LVM/btrfs snapshot), if any.
    public var snapshotRevertCommand: [String]?

    /// Creates a recipe.
    public init(automatic: Bool, snapshotRevertCommand: [String]? = nil) {
        self.automatic = automatic
        self.snapshotRevertCommand = snapshotRevertCommand
    }
}

/// An update plan for one host: exact package versions, checks, reboot policy, time budget and
/// rollback recipe. Plans are signed by the server's plan key (see ``SignedPlan``).
public struct UpdatePlan: Sendable, Hashable, Codable {
    /// Plan id.
    public var id: String
    /// The host the plan is for; an agent refuses plans for other hosts.
    public var hostID: String
    /// Monotonic per host; an agent refuses a sequence it has already seen.
    public var sequence: Int64
    /// Unix seconds when issued.
    public var issuedAt: Int64
    /// Unix seconds after which the agent refuses the plan.
    public var expiresAt: Int64
    /// Package targets.
    public var packages: [PlanPackage]
    /// Checks that must pass before anything changes.
    public var preChecks: [PlanCheck]
    /// Command run before applying (e.g. take a snapshot), if any.
    public var snapshotCommand: [String]?
    /// Checks that must pass after applying (and after a reboot).
    public var postChecks: [PlanCheck]
    /// When to reboot.
    public var reboot: RebootPolicy
    /// Seconds the whole plan may take.
    public var timeBudgetSeconds: Int
    /// What to do on failure.
    public var rollback: RollbackRecipe

    /// Creates a plan.
    public init(
        id: String,
        hostID: String,
        sequence: Int64,
        issuedAt: Int64,
        expiresAt: Int64,
        packages: [PlanPackage],
        preChecks: [PlanCheck] = [],
        snapshotCommand: [String]? = nil,
        postChecks: [PlanCheck] = [.installedVersionsMatchPlan],
        reboot: RebootPolicy = .ifRequired,
        timeBudgetSeconds: Int = 3600,
        rollback: RollbackRecipe = RollbackRecipe(automatic: true)
    ) {
        self.id = id
        self.hostID = hostID
        self.sequence = sequence
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.packages = packages
        self.preChecks = preChecks
        self.snapshotCommand = snapshotCommand
        self.postChecks = postChecks
        self.reboot = reboot
        self.timeBudgetSeconds = timeBudgetSeconds
        self.rollback = rollback
    }
}
