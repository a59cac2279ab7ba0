import Hummingbird
import HummingbirdCore
import PatchAPI

extension FlatDictionary where Key == Substring, Value == Substring {
    /// A path parameter, percent-decoded (`/api/v1/users/al%69ce` names `alice`); a malformed
    /// escape is a 400.
    func requireDecoded(_ name: String) throws -> String {
        guard let raw = self[Substring(name)] else {
            throw APIInputError(field: "path parameter '\(name)'", "is missing")
        }
        return try QueryParameters.decodePath(raw, what: "path parameter '\(name)'")
    }
}

extension Request {
    /// The query parameters as the API's ``QueryParameters``.
    var query: QueryParameters {
        QueryParameters(uri.queryParameters.map { (String($0.key), String($0.value)) })
    }
}
