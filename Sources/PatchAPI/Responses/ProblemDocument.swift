/// An RFC 9457 problem document (`application/problem+json`): every error the API answers.
public struct ProblemDocument: Codable, Sendable, Equatable {
    public var type: String
    /// A short summary of the problem type (the status's reason phrase).
    public var title: String
    /// The HTTP status code.
    public var status: Int
    /// What exactly went wrong, naming the field or value.
    public var detail: String
    /// The path the request was made to.
    public var instance: String

    public init(type: String = "about:blank", title: String, status: Int, detail: String, instance: String) {
        self.type = type
        self.title = title
        self.status = status
        self.detail = detail
        self.instance = instance
    }
}
