import ChangeControl
import Foundation
import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers
import PatchStore

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
///
/// A refused caller is recorded as an `access.denied` event. When the caller holds the permission
/// only through a just-in-time elevation, the handler runs with that elevation in the
/// ``AuditContext``, so every event it writes is marked as done under elevation.
public final class SecuredRoutes: Sendable {
    private let table = NIOLockedValueBox<[RoutePermission]>([])
    private let storage: (any PatchStorage)?
    private let clock: any WallClock

    /// Creates an empty table; denials are recorded in `storage` when one is given.
    public init(storage: (any PatchStorage)? = nil, clock: any WallClock = SystemWallClock()) {
        self.storage = storage
        self.clock = clock
    }

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
        let storage = self.storage
        let clock = self.clock
        group.on(routePath, method: method) { request, context in
            let identity: Identity
            do {
                identity = try context.require(permission)
            } catch let problem as Problem where problem.status == .forbidden {
                if let storage, let caller = context.identity {
                    try await storage.appendEvent(
                        EventRecord(
                            at: clock.now(),
                            actor: caller.actor,
                            action: "access.denied",
                            target: "route:\(method.rawValue) \(prefix)/\(path)",
                            details: try JSONResponse.text(
                                ["permission": permission.rawValue, "path": request.uri.path]
                            )
                        )
                    )
                }
                throw problem
            }
            var audit = AuditContext.current ?? AuditContext(requestID: nil)
            audit.elevationID = identity.authorization.elevation(for: permission)
            return try await AuditContext.$current.withValue(audit) {
                try await handler(request, context, identity)
            }
        }
    }
}
