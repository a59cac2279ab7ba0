import AgentProtocol
import Crypto
import Foundation
import HTTPTypes
import PatchStore

/// The server's Ed25519 plan-signing key, kept in `<data-dir>/plan-signing.key` (32 raw bytes,
/// mode 0600) and created on first start. Agents pin its public key at enrollment.
public enum PlanSigningKey {
    /// Loads the key from the data directory, creating it when absent.
    public static func loadOrCreate(dataDirectory: String) throws -> Curve25519.Signing.PrivateKey {
        try loadOrCreate(path: dataDirectory + "/plan-signing.key")
    }

    /// Loads the Ed25519 key at `path`, creating it (mode 0600) when missing.
    public static func loadOrCreate(path: String) throws -> Curve25519.Signing.PrivateKey {
        if let bytes = FileManager.default.contents(atPath: path) {
            try OwnerOnlyFile.restrict(path)
            do {
                return try Curve25519.Signing.PrivateKey(rawRepresentation: bytes)
            } catch {
                throw Problem(.internalServerError, "\(path) is not a 32-byte Ed25519 private key")
            }
        }
        let key = Curve25519.Signing.PrivateKey()
        try OwnerOnlyFile.create(path, contents: Array(key.rawRepresentation))
        return key
    }

    /// The Ed25519 key named `name` that every replica sharing `storage` uses (PostgreSQL
    /// deployments: one identity for the whole deployment, whichever replica created it first).
    public static func loadOrCreate(
        named name: String,
        in storage: any PatchStorage,
        now: Date
    ) async throws -> Curve25519.Signing.PrivateKey {
        let material = try await storage.sharedKey(named: name, now: now) {
            Array(Curve25519.Signing.PrivateKey().rawRepresentation)
        }
        do {
            return try Curve25519.Signing.PrivateKey(rawRepresentation: material)
        } catch {
            throw Problem(.internalServerError, "stored key '\(name)' is not a 32-byte Ed25519 private key")
        }
    }

    /// The public key as sent to agents (base64 of the raw 32 bytes).
    public static func publicKeyText(_ key: Curve25519.Signing.PrivateKey) -> String {
        Base64.encode(Array(key.publicKey.rawRepresentation))
    }
}
