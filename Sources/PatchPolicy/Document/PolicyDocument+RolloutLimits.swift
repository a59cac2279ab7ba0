extension PolicyDocument {
    /// The rollout limits the policy sets, one line per environment or service that sets any, in
    /// promotion order then by name: `environment prod: errorBudget 1, canary 2`,
    /// `service payments-db: disruptionBudget 1`. Empty when the policy leaves them to the defaults.
    public var rolloutLimits: [String] {
        let environments = environments.filter { !$0.rolloutLimits.isEmpty }.map { environment in
            "environment \(environment.name): " + environment.rolloutLimits.joined(separator: ", ")
        }
        let services = services.services.values.sorted { $0.name < $1.name }.compactMap { service in
            service.disruptionBudget.map { "service \(service.name): disruptionBudget \($0)" }
        }
        return environments + services
    }
}
