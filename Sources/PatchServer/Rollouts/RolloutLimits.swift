import PatchAPI
import PatchPolicy
import PatchStore
import RolloutEngine

/// A rollout's canary size, wave size and error budget, chosen per limit: the request's option when
/// given (for every environment), else the policy's value for each environment that sets one, else
/// the built-in default (canary 1, waves of 25%, no failure tolerated).
struct RolloutLimits: Sendable, Hashable {
    /// Built-in defaults.
    static let defaultCanary = Budget.count(1)
    static let defaultMaxConcurrency = Budget.percent(25)
    static let defaultErrorBudget = Budget.count(0)

    /// For environments without their own.
    var canary: Budget
    var maxConcurrency: Budget
    var errorBudget: Budget
    /// The policy's, by environment (empty when the request gives the limit).
    var canaryByEnvironment: [String: Budget] = [:]
    var maxConcurrencyByEnvironment: [String: Budget] = [:]
    var errorBudgetByEnvironment: [String: Budget] = [:]

    init(policy: PolicyDocument, options: RolloutOptions) {
        canary = options.canary ?? Self.defaultCanary
        maxConcurrency = options.maxConcurrency ?? Self.defaultMaxConcurrency
        errorBudget = options.errorBudget ?? Self.defaultErrorBudget
        for environment in policy.environments {
            if options.canary == nil, let value = environment.canary {
                canaryByEnvironment[environment.name] = Self.budget(value)
            }
            if options.maxConcurrency == nil, let value = environment.maxConcurrency {
                maxConcurrencyByEnvironment[environment.name] = Self.budget(value)
            }
            if options.errorBudget == nil, let value = environment.errorBudget {
                errorBudgetByEnvironment[environment.name] = Self.budget(value)
            }
        }
    }

    /// A policy budget as the rollout engine's. The policy validated it (a count in range, a finite
    /// percentage in 0…100); 0% becomes a count of 0, the same limit in a form the engine stores.
    static func budget(_ value: HostBudget) -> Budget {
        switch value {
        case .count(let count): .count(count)
        case .percent(let share): share > 0 ? .percent(share) : .count(0)
        }
    }
}

/// What planning a rollout takes: the planner's input and the choices made for it.
struct PlanningInput: Sendable {
    /// The planner's input.
    var request: RolloutRequest
    /// The limits chosen (the error budgets go into the rollout's settings).
    var limits: RolloutLimits
    /// How the task duration was chosen.
    var taskEstimate: TaskEstimate
}

extension RolloutOrchestrator {
    /// How many recent completed plans the task estimate looks at.
    static let measuredPlans = 500

    /// The request's `taskMinutes`; without it the 90th percentile of the durations of the last
    /// completed plans (one query), or 30 minutes when fewer than five were measured.
    func taskEstimate(options: RolloutOptions) async throws -> TaskEstimate {
        if let minutes = options.taskMinutes { return TaskEstimate.choose(requested: minutes, measured: []) }
        let durations = try await storage.recentPlanDurations(limit: Self.measuredPlans)
        return TaskEstimate.choose(requested: nil, measured: durations)
    }
}
