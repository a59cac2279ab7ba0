import AgentProtocol
import Crypto
import FleetModel
import Foundation

/// What an enrolled agent remembers between runs.
public struct AgentIdentity: Sendable, Codable, Hashable {
    /// The server's base URL.
    public var serverURL: String
    /// The agent id the server assigned.
    public var agentID: String
    /// The host id the server assigned.
    public var hostID: String
    /// Check-in interval the server asked for, in seconds.
    public var checkInIntervalSeconds: Int
    /// The server's plan-signing public key (base64), pinned at enrollment: plans signed by any
    /// other key are refused.
    public var planPublicKey: String?

    /// Creates an identity.
    public init(
        serverURL: String,
        agentID: String,
        hostID: String,
        checkInIntervalSeconds: Int,
        planPublicKey: String? = nil
    ) {
        self.serverURL = serverURL
        self.agentID = agentID
        self.hostID = hostID
        self.checkInIntervalSeconds = checkInIntervalSeconds
        self.planPublicKey = planPublicKey
    }
}

/// The agent's files under its state directory, each written atomically (temp file, fsync, rename)
/// with mode 0600:
/// - `agent.key`: the Ed25519 private key (32 raw bytes), created at enrollment, never sent;
/// - `agent.json`: ``AgentIdentity``;
/// - `acknowledged-inventory.json`: the package list the server last acknowledged, the base of deltas.
public struct AgentStateStore: Sendable {
    /// The state directory.
    public var directory: String

    /// Creates a store for `directory`.
    public init(directory: String) {
        self.directory = directory
    }

    var keyPath: String { directory + "/agent.key" }
    var identityPath: String { directory + "/agent.json" }
    var inventoryPath: String { directory + "/acknowledged-inventory.json" }

    /// Creates a new private key and stores it; fails if one exists already.
    public func createKey() throws -> Curve25519.Signing.PrivateKey {
        try FileManager.default.createDirectory(
            atPath: directory,
            withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700]
        )
        let key = Curve25519.Signing.PrivateKey()
        try DurableFile.write(Array(key.rawRepresentation), to: keyPath)
        return key
    }

    /// The stored private key.
    public func loadKey() throws -> Curve25519.Signing.PrivateKey {
        guard let bytes = FileManager.default.contents(atPath: keyPath) else {
            throw AgentError(
                code: .notEnrolled,
                message: "no agent key at \(keyPath); run `patchpilot-agent enroll` first"
            )
        }
        do {
            return try Curve25519.Signing.PrivateKey(rawRepresentation: bytes)
        } catch {
            throw AgentError(code: .stateCorrupt, message: "\(keyPath) is not a 32-byte Ed25519 private key")
        }
    }

    /// Stores the identity.
    public func saveIdentity(_ identity: AgentIdentity) throws {
        try DurableFile.write(Array(try JSONEncoder().encode(identity)), to: identityPath)
    }

    /// The stored identity.
    public func loadIdentity() throws -> AgentIdentity {
        guard let data = FileManager.default.contents(atPath: identityPath) else {
            throw AgentError(code: .notEnrolled, message: "no \(identityPath); run `patchpilot-agent enroll` first")
        }
        do {
            return try JSONDecoder().decode(AgentIdentity.self, from: data)
        } catch {
            throw AgentError(code: .stateCorrupt, message: "\(identityPath) is not valid: \(error)")
        }
    }

    /// Stores the package list the server acknowledged.
    public func saveAcknowledgedInventory(_ packages: [InstalledPackage]) throws {
        try DurableFile.write(Array(try JSONEncoder().encode(packages)), to: inventoryPath)
    }

    /// The package list the server last acknowledged, if any (a corrupt file counts as none).
    public func loadAcknowledgedInventory() -> [InstalledPackage]? {
        guard let data = FileManager.default.contents(atPath: inventoryPath) else { return nil }
        return try? JSONDecoder().decode([InstalledPackage].self, from: data)
    }
}

/// Writes files so that a crash leaves either the old or the new content, never a torn file.
enum DurableFile {
    static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o600) throws {
        let temporary = path + ".tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, mode)
        guard descriptor >= 0 else {
            throw AgentError(
                code: .stateCorrupt,
                message: "cannot write \(temporary): \(String(cString: strerror(errno)))"
            )
        }
        var written = 0
        while written < bytes.count {
            let result = bytes[written...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if result < 0 {
                close(descriptor)
                throw AgentError(
                    code: .stateCorrupt,
                    message: "cannot write \(temporary): \(String(cString: strerror(errno)))"
                )
            }
            written += result
        }
        fchmod(descriptor, mode)
        fsync(descriptor)
        close(descriptor)
        guard rename(temporary, path) == 0 else {
            throw AgentError(code: .stateCorrupt, message: "cannot rename \(temporary) to \(path)")
        }
        let directory = open((path as NSString).deletingLastPathComponent, O_RDONLY)
        if directory >= 0 {
            fsync(directory)
            close(directory)
        }
    }
}
