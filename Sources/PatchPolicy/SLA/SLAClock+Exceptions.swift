import Foundation

extension SLAClock {
    /// Evaluates one finding on one host, with the exceptions of `register` that cover it pausing
    /// its clock.
    ///
    /// - Parameters:
    ///   - item: the finding's facts.
    ///   - hostID: the host.
    ///   - groups: names of the groups the host belongs to.
    ///   - packages: the finding's binary and source package names.
    ///   - advisories: the advisory id and its aliases.
    ///   - register: the policy's exceptions.
    ///   - now: the evaluation instant.
    public func evaluate(
        _ item: SLAItem,
        hostID: String,
        groups: Set<String>,
        packages: [String],
        advisories: [String],
        register: ExceptionRegister,
        now: Date
    ) -> SLAStatus {
        let pauses = register.pauses(hostID: hostID, groups: groups, packages: packages, advisories: advisories)
        return evaluate(item, pauses: pauses, now: now)
    }
}
