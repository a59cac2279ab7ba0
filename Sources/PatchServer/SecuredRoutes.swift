import Foundation
import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers

/// One API route and the permission it declares.
public struct RoutePermission: Sendable, Hashable {
    /// HTTP method.
    public var method: String
    /// Path template (`/api/v1/hosts/{id}`).
    public var path: String
    /// The permission required.
    public var permission: Permission
}

/// Registers API routes that all declare a permission, and remembers them so tests can check
/// every route against every role.
public final class SecuredRoutes: Sendable {
    private let table = NIOLockedValueBox<[RoutePermission]>([])

    /// Creates an empty table.
    public init() {}

    /// Every route registered so far.
    public var routes: [RoutePermission] { table.withLockedValue { $0 } }

    /// Registers a route that runs `handler` only for callers holding `permission`.
    func add(
        _ method: HTTPRequest.Method,
        _ path: String,
        on group: RouterGroup<AppRequestContext>,
        prefix: String,
        permission: Permission,
        handler: @escaping @Sendable (Request, AppRequestContext, Identity) async throws -> Response
    ) {
        table.withLockedValue {
            $0.append(RoutePermission(method: method.rawValue, path: prefix + "/" + path, permission: permission))
        }
        let routePath = RouterPath(
            path.replacingOccurrences(of: "{", with: ":").replacingOccurrences(of: "}", with: "")
        )
        group.on(routePath, method: method) { request, context in
            let identity = try context.require(permission)
            return try await handler(request, context, identity)
        }
    }
}
