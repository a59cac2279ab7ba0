/// A request that is malformed or out of range: the field (or query or path parameter) at fault and
/// what is wrong with it. The server answers it as a 400 problem document; nothing is stored.
public struct APIInputError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The offending input (`expiresInSeconds`, `facts.uptimeSeconds`, `query parameter 'offset'`),
    /// when there is one.
    public var field: String?
    /// What is wrong, naming the value.
    public var message: String

    /// Creates an error.
    public init(field: String? = nil, _ message: String) {
        self.field = field
        self.message = message
    }

    public var description: String {
        guard let field else { return message }
        // "query parameter 'offset'" and "path parameter 'id'" name themselves.
        if field.hasSuffix("'") { return "\(field) \(message)" }
        return "field '\(field)' \(message)"
    }
}
