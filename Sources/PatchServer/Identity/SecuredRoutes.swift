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
    /// The guarded handler of every route, for ``dispatch(_:path:body:context:)``.
    private let handlers = NIOLockedValueBox<[(route: RoutePermission, handler: Handler)]>([])
    typealias Handler = @Sendable (Request, AppRequestContext) async throws -> Response
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
        let guarded: Handler = { request, context in
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
        handlers.withLockedValue {
            $0.append(
                (RoutePermission(method: method.rawValue, path: prefix + "/" + path, permission: permission), guarded)
            )
        }
        group.on(routePath, method: method, use: guarded)
    }

    /// Runs the API route that `method` and `path` (a concrete path such as
    /// `/api/v1/changes/CHG-1/approve`) name, for `context`'s caller, with `body` (JSON): the same
    /// permission check, denial event, elevation marking and handler as the request over HTTP. The
    /// dashboard's forms act through it, so the console can do nothing the API would refuse. Nil
    /// when no route matches (a template with more literal segments wins: `changes/queue` before
    /// `changes/{id}`).
    func dispatch(
        _ method: HTTPRequest.Method,
        path: String,
        body: ByteBuffer,
        context: AppRequestContext
    ) async throws -> Response? {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        var best: (literals: Int, parameters: Parameters, handler: Handler)?
        for (route, handler) in handlers.withLockedValue({ $0 }) where route.method == method.rawValue {
            let template = route.path.split(separator: "/", omittingEmptySubsequences: false)
            guard template.count == segments.count else { continue }
            var parameters = Parameters()
            var literals = 0
            var matches = true
            for (pattern, segment) in zip(template, segments) {
                if pattern.hasPrefix("{"), pattern.hasSuffix("}"), !segment.isEmpty {
                    parameters.append(key: pattern.dropFirst().dropLast(), value: segment)
                } else if pattern == segment {
                    literals += 1
                } else {
                    matches = false
                    break
                }
            }
            if matches, literals > (best?.literals ?? -1) { best = (literals, parameters, handler) }
        }
        guard let best else { return nil }
        var context = context
        context.coreContext.parameters = best.parameters
        var head = HTTPRequest(method: method, scheme: nil, authority: nil, path: path)
        head.headerFields[.contentType] = "application/json"
        return try await best.handler(Request(head: head, body: RequestBody(buffer: body)), context)
    }
}
