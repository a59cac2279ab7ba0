import ChangeControl
import Foundation
import Hummingbird
import PatchAPI
import PatchStore

/// The webhook outbox over HTTP: deliveries by state (dead letters included) and a retry of a dead letter.
struct WebhookController: Sendable {
    let storage: any PatchStorage
    let clock: any WallClock
    let delivery: WebhookDelivery

    struct DeliveryView: Encodable {
        var id: Int64
        var state: String
        var url: String
        var format: String
        var event: String
        var idempotencyKey: String
        var attempts: Int
        var createdAt: Date
        var nextAttemptAt: Date?
        var deliveredAt: Date?
        var deadAt: Date?
        var lastError: String?

        init(_ delivery: OutboxDelivery) {
            id = delivery.id
            state = delivery.state.rawValue
            url = delivery.message.url
            format = delivery.message.format
            event = delivery.message.event
            idempotencyKey = delivery.idempotencyKey
            attempts = delivery.attempts
            createdAt = delivery.createdAt
            nextAttemptAt = delivery.state == .pending ? delivery.nextAttemptAt : nil
            deliveredAt = delivery.deliveredAt
            deadAt = delivery.deadAt
            lastError = delivery.lastError
        }
    }

    struct DeliveryList: Encodable { var deliveries: [DeliveryView] }

    func addRoutes(to group: RouterGroup<AppRequestContext>, table: SecuredRoutes) {
        let prefix = "/api/v1"
        table.add(.get, "webhooks/deliveries", on: group, prefix: prefix, permission: .auditRead) { request, _, _ in
            let parameters = request.uri.queryParameters
            let state = try parameters["state"].map { text -> OutboxDelivery.State in
                guard let state = OutboxDelivery.State(rawValue: String(text)) else {
                    throw Problem.badRequest(
                        "query parameter 'state' must be one of pending, delivered, dead; got '\(text)'"
                    )
                }
                return state
            }
            let (limit, offset) = try Paging.parse(parameters, defaultLimit: 100, maxLimit: 1000)
            let deliveries = try await storage.webhookDeliveries(state: state, limit: limit, offset: offset)
            return try JSONResponse.make(DeliveryList(deliveries: deliveries.map(DeliveryView.init)))
        }
        table.add(.post, "webhooks/deliveries/{id}/retry", on: group, prefix: prefix, permission: .policyManage) {
            _,
            context,
            identity in
            let text = try context.parameters.requireDecoded("id")
            guard let id = Int64(text), id > 0 else {
                throw Problem.badRequest("path parameter 'id' must be a delivery id, got '\(text)'")
            }
            do {
                let retried = try await storage.retryWebhookDelivery(id: id, actor: identity.actor, now: clock.now())
                delivery.wake()
                return try JSONResponse.make(DeliveryView(retried))
            } catch let error as StoreError where error.code == .notFound {
                throw Problem.notFound(error.message)
            } catch let error as StoreError where error.code == .conflict {
                throw Problem(.conflict, error.message)
            }
        }
    }
}
