import Foundation

/// One policy source file (YAML) as applied.
public struct PolicyFile: Sendable, Hashable, Codable {
    /// The file name (relative to the policy directory).
    public var name: String
    /// Its text.
    public var text: String

    /// Creates a file.
    public init(name: String, text: String) {
        self.name = name
        self.text = text
    }
}

/// A stored policy version.
public struct PolicyVersion: Sendable, Hashable, Codable {
    /// Sequence number.
    public var version: Int64
    /// When it was applied.
    public var appliedAt: Date
    /// Who applied it.
    public var actor: String
    /// Why.
    public var reason: String
    /// The source files.
    public var files: [PolicyFile]

    /// Creates a version.
    public init(version: Int64, appliedAt: Date, actor: String, reason: String, files: [PolicyFile]) {
        self.version = version
        self.appliedAt = appliedAt
        self.actor = actor
        self.reason = reason
        self.files = files
    }
}
