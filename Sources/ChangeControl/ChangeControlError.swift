/// An error raised by change control: an illegal transition, a broken rule of separation of duties,
/// or invalid input. ``field`` names the input at fault when there is one.
public struct ChangeControlError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable error code.
    public enum Code: String, Sendable, Hashable {
        /// The action is not allowed from the current state.
        case illegalTransition
        /// Separation of duties forbids it (self-approval, a second vote by the same person).
        case separationOfDuties
        /// The caller lacks the permission for the scope concerned.
        case notPermitted
        /// A compliance hold covers the change's scope.
        case held
        /// The input is invalid.
        case invalid
    }

    /// What went wrong.
    public var code: Code
    /// The field at fault, when one is.
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
