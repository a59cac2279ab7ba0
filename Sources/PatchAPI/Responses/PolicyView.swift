import Foundation

/// `GET /api/v1/policy`: the policy in force — its version, who applied it when and why, and its
/// source files. Before any policy is applied, every field but `files` (empty) is absent.
public struct PolicyView: Codable, Sendable {
    /// One source file (YAML, or an iCalendar file of maintenance windows).
    public struct File: Codable, Sendable, Hashable {
        /// The file name within the policy directory.
        public var name: String
        public var text: String

        public init(name: String, text: String) {
            self.name = name
            self.text = text
        }
    }

    public var version: Int64?
    public var appliedAt: Date?
    public var actor: String?
    public var reason: String?
    public var files: [File]

    public init(version: Int64?, appliedAt: Date?, actor: String?, reason: String?, files: [File]) {
        self.version = version
        self.appliedAt = appliedAt
        self.actor = actor
        self.reason = reason
        self.files = files
    }
}
