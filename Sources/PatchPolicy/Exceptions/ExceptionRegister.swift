import Foundation

/// The policy's exceptions and holds, queried by scope and time.
public struct ExceptionRegister: Sendable, Hashable {
    /// All exceptions, active or not.
    public var exceptions: [PolicyException]
    /// All compliance holds.
    public var holds: [ComplianceHold]

    /// Creates a register.
    public init(exceptions: [PolicyException] = [], holds: [ComplianceHold] = []) {
        self.exceptions = exceptions
        self.holds = holds
    }

    /// The exceptions in force at the instant.
    public func active(at date: Date) -> [PolicyException] { exceptions.filter { $0.isActive(at: date) } }

    /// The exceptions that cover a finding (whatever their dates).
    public func exceptions(
        hostID: String,
        groups: Set<String>,
        packages: [String],
        advisories: [String]
    ) -> [PolicyException] {
        exceptions.filter {
            $0.scope.covers(hostID: hostID, groups: groups, packages: packages, advisories: advisories)
        }
    }

    /// The pause intervals for a finding: the intervals of the exceptions that cover it.
    public func pauses(hostID: String, groups: Set<String>, packages: [String], advisories: [String]) -> [DateInterval]
    {
        exceptions(hostID: hostID, groups: groups, packages: packages, advisories: advisories).map(\.interval)
    }

    /// Whether any hold blocks a change to the scope at the instant.
    public func isHeld(_ scope: PolicyScope, at date: Date) -> Bool {
        holds.contains { $0.isHeld(scope, at: date) }
    }

    /// The holds that block a change on one host to the packages at the instant.
    public func holds(
        hostID: String,
        groups: Set<String>,
        packages: [String],
        advisories: [String] = [],
        at date: Date
    ) -> [ComplianceHold] {
        holds.filter {
            $0.isHeld(hostID: hostID, groups: groups, packages: packages, advisories: advisories, at: date)
        }
    }
}
