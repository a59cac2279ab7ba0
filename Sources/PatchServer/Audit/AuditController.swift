import ChangeControl
import Foundation
import Hummingbird
import PatchAPI
import PatchStore

/// The audit log over HTTP: events with their chain hashes, checkpoints, verification.
struct AuditController: Sendable {
    let storage: any PatchStorage
    let audit: AuditService

    func addRoutes(to group: RouterGroup<AppRequestContext>, table: SecuredRoutes) {
        let prefix = "/api/v1"
        table.add(.get, "audit/events", on: group, prefix: prefix, permission: .auditRead) { request, _, _ in
            let parameters = request.uri.queryParameters
            let after =
                try parameters["after"].map { text -> Int64 in
                    guard let value = Int64(text), value >= 0 else {
                        throw Problem.badRequest("query parameter 'after' must be an event id, got '\(text)'")
                    }
                    return value
                } ?? 0
            let since = try parameters["since"].map { text -> Date in
                guard let date = ISO8601DateFormatter().date(from: String(text)) else {
                    throw Problem.badRequest("query parameter 'since' must be an RFC 3339 time, got '\(text)'")
                }
                return date
            }
            let (limit, _) = try Paging.parse(parameters, defaultLimit: 500, maxLimit: 5000)
            let target = parameters["target"].map(String.init)
            let events = try await storage.auditEvents(afterID: after, since: since, target: target, limit: limit)
            return try JSONResponse.make(AuditEventList(events: events))
        }
        table.add(.get, "audit/checkpoints", on: group, prefix: prefix, permission: .auditRead) { _, _, _ in
            try JSONResponse.make(AuditCheckpointList(checkpoints: try await storage.auditCheckpoints()))
        }
        table.add(.get, "audit/verify", on: group, prefix: prefix, permission: .auditRead) { _, _, _ in
            try JSONResponse.make(try await audit.verify())
        }
    }
}
