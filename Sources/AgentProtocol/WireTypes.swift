import FleetModel

/// Sent by an agent to enroll: the enrollment token, the agent's own public key and its host facts.
public struct EnrollmentRequest: Sendable, Codable, Hashable {
    /// The enrollment token an administrator created (`ppe_…`).
    public var token: String
    /// The agent's Ed25519 public key, base64 of the 32 raw bytes.
    public var publicKey: String
    /// What the agent knows about its host.
    public var facts: HostFacts

    /// Creates a request.
    public init(token: String, publicKey: String, facts: HostFacts) {
        self.token = token
        self.publicKey = publicKey
        self.facts = facts
    }
}

/// The server's answer to a successful enrollment.
public struct EnrollmentResponse: Sendable, Codable, Hashable {
    /// The agent's identifier, sent with every signed request.
    public var agentID: String
    /// The host record this agent reports for.
    public var hostID: String
    /// How often the agent should check in, in seconds.
    public var checkInIntervalSeconds: Int
    /// The server's plan-signing public key (base64 of 32 bytes); the agent pins it.
    public var planPublicKey: String?

    /// Creates a response.
    public init(agentID: String, hostID: String, checkInIntervalSeconds: Int, planPublicKey: String? = nil) {
        self.agentID = agentID
        self.hostID = hostID
        self.checkInIntervalSeconds = checkInIntervalSeconds
        self.planPublicKey = planPublicKey
    }
}

/// A periodic check-in: fresh facts and the fingerprint of the agent's current package list.
public struct HeartbeatRequest: Sendable, Codable, Hashable {
    /// Current host facts.
    public var facts: HostFacts
    /// ``InventoryFingerprint`` of the agent's current package list.
    public var inventoryFingerprint: String

    /// Creates a heartbeat.
    public init(facts: HostFacts, inventoryFingerprint: String) {
        self.facts = facts
        self.inventoryFingerprint = inventoryFingerprint
    }
}

/// What the server wants after a heartbeat.
public struct HeartbeatResponse: Sendable, Codable, Hashable {
    /// The fingerprint of the inventory the server holds for this host, if any.
    public var storedFingerprint: String?
    /// Whether the agent should upload its inventory (as a delta against ``storedFingerprint`` when set).
    public var inventoryWanted: Bool
    /// How often the agent should check in, in seconds.
    public var checkInIntervalSeconds: Int

    /// Creates a response.
    public init(storedFingerprint: String?, inventoryWanted: Bool, checkInIntervalSeconds: Int) {
        self.storedFingerprint = storedFingerprint
        self.inventoryWanted = inventoryWanted
        self.checkInIntervalSeconds = checkInIntervalSeconds
    }
}

/// An inventory upload: either the full package list or a delta against a fingerprint the server holds.
public struct InventoryUpload: Sendable, Codable, Hashable {
    /// The fingerprint the delta applies to; `nil` for a full upload.
    public var baseFingerprint: String?
    /// The fingerprint of the package list after applying this upload.
    public var fingerprint: String
    /// The full list (full upload only).
    public var packages: [InstalledPackage]?
    /// The delta (delta upload only).
    public var delta: PackageSetDiff?

    /// Creates a full upload.
    public static func full(_ packages: [InstalledPackage]) -> InventoryUpload {
        InventoryUpload(
            baseFingerprint: nil,
            fingerprint: InventoryFingerprint.of(packages),
            packages: packages,
            delta: nil
        )
    }

    /// Creates a delta upload from the list the server holds to the current one.
    public static func delta(from base: [InstalledPackage], to current: [InstalledPackage]) -> InventoryUpload {
        InventoryUpload(
            baseFingerprint: InventoryFingerprint.of(base),
            fingerprint: InventoryFingerprint.of(current),
            packages: nil,
            delta: PackageSetDiff(from: base, to: current)
        )
    }

    /// Creates an upload from its parts.
    public init(baseFingerprint: String?, fingerprint: String, packages: [InstalledPackage]?, delta: PackageSetDiff?) {
        self.baseFingerprint = baseFingerprint
        self.fingerprint = fingerprint
        self.packages = packages
        self.delta = delta
    }
}

/// The server's acknowledgement of an inventory upload.
public struct InventoryAcknowledgement: Sendable, Codable, Hashable {
    /// The fingerprint the server now holds.
    public var fingerprint: String
    /// How many packages the server now holds for the host.
    public var packageCount: Int

    /// Creates an acknowledgement.
    public init(fingerprint: String, packageCount: Int) {
        self.fingerprint = fingerprint
        self.packageCount = packageCount
    }
}
