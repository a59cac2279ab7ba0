/// Where a role grant applies: everywhere, in one environment, or on one host group.
public enum GrantScope: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Everywhere.
    case global
    /// Hosts in this policy environment (`prod`).
    case environment(String)
    /// Hosts in this policy host group (`web`).
    case hostGroup(String)

    /// Parses `global`, `environment:NAME` or `group:NAME`.
    public init(parsing text: String) throws {
        if text == "global" || text.isEmpty {
            self = .global
            return
        }
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[1].isEmpty else {
            throw ChangeControlError(
                .invalid,
                field: "scope",
                "'\(text)' is not global, environment:NAME or group:NAME"
            )
        }
        switch parts[0] {
        case "environment", "env": self = .environment(parts[1])
        case "group": self = .hostGroup(parts[1])
        default:
            throw ChangeControlError(
                .invalid,
                field: "scope",
                "'\(text)' is not global, environment:NAME or group:NAME"
            )
        }
    }

    public var description: String {
        switch self {
        case .global: "global"
        case .environment(let name): "environment:\(name)"
        case .hostGroup(let name): "group:\(name)"
        }
    }

    /// Whether the scope covers a target in `environment` whose hosts are all in `groups`.
    public func covers(environment: String?, groups: Set<String>) -> Bool {
        switch self {
        case .global: true
        case .environment(let name): environment == name
        case .hostGroup(let name): groups.contains(name)
        }
    }

    public init(from decoder: any Decoder) throws {
        try self.init(parsing: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
