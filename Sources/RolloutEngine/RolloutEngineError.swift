/// An error raised by the rollout engine: invalid input to the planner, or an action a rollout,
/// wave or host task does not allow in its state.
public struct RolloutEngineError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable error code.
    public enum Code: String, Sendable, Hashable {
        /// The input is invalid (`field` names it).
        case invalid
        /// The action is not allowed in the current state.
        case illegalTransition
        /// A report or lease carries an attempt that is no longer current (fencing).
        case staleAttempt
    }

    /// What went wrong.
    public var code: Code
    /// The field at fault, when there is one.
    public var field: String?
    /// What is wrong, in words.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, field: String? = nil, _ message: String) {
        self.code = code
        self.field = field
        self.message = message
    }

    public var description: String {
        if let field { return "\(code.rawValue): \(field): \(message)" }
        return "\(code.rawValue): \(message)"
    }
}
