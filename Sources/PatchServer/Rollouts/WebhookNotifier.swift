import AsyncHTTPClient
import Foundation
import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1
import RolloutEngine

/// A webhook receiving rollout notifications.
public struct Webhook: Sendable, Hashable, Codable {
    /// Body format.
    public enum Format: String, Sendable, Hashable, Codable {
        /// `{"event", "rollout", "change", "state", "message", "at"}`.
        case generic
        /// Slack-compatible incoming webhook: `{"text": message}`.
        case slack
    }

    /// Where to POST.
    public var url: String
    /// How.
    public var format: Format

    /// Creates a webhook.
    public init(url: String, format: Format = .generic) {
        self.url = url
        self.format = format
    }

    /// Parses `URL` or `URL,slack`.
    public init?(argument: String) {
        let parts = argument.split(separator: ",", maxSplits: 1).map(String.init)
        guard let url = URL(string: parts[0]), ["http", "https"].contains(url.scheme ?? "") else { return nil }
        let format = parts.count == 2 ? Format(rawValue: parts[1]) : .generic
        guard let format else { return nil }
        self.init(url: parts[0], format: format)
    }
}

/// Sends rollout notifications (start, wave verdict, pause, failure, completion) to webhooks: a
/// POST of JSON, retried three times with backoff; failures are logged, never block the rollout.
public struct WebhookNotifier: Sendable {
    let webhooks: [Webhook]
    let logger: Logger
    let send: @Sendable (Webhook, Data) async throws -> Void

    /// Creates a notifier that posts over HTTP (or through `send`, for tests).
    public init(
        webhooks: [Webhook],
        logger: Logger,
        send: (@Sendable (Webhook, Data) async throws -> Void)? = nil
    ) {
        self.webhooks = webhooks
        self.logger = logger
        self.send = send ?? WebhookNotifier.post
    }

    struct Generic: Encodable {
        var event: String
        var rollout: String
        var change: String
        var state: String
        var message: String
        var at: Date
    }

    func notify(rollout: Rollout, event: String, message: String) async {
        guard !webhooks.isEmpty else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        for webhook in webhooks {
            let body: Data
            switch webhook.format {
            case .generic:
                body =
                    (try? encoder.encode(
                        Generic(
                            event: event,
                            rollout: rollout.id,
                            change: rollout.changeID,
                            state: rollout.state.rawValue,
                            message: message,
                            at: Date()
                        )
                    )) ?? Data()
            case .slack:
                body = (try? encoder.encode(["text": "PatchPilot \(rollout.changeID): \(message)"])) ?? Data()
            }
            var delay: Duration = .milliseconds(200)
            for attempt in 1...3 {
                do {
                    try await send(webhook, body)
                    break
                } catch {
                    if attempt == 3 {
                        logger.warning(
                            "webhook failed",
                            metadata: ["pp.url": .string(webhook.url), "pp.error": .string("\(error)")]
                        )
                    } else {
                        try? await Task.sleep(for: delay)
                        delay *= 4
                    }
                }
            }
        }
    }

    static let post: @Sendable (Webhook, Data) async throws -> Void = { webhook, body in
        var request = HTTPClientRequest(url: webhook.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        guard (200..<300).contains(response.status.code) else {
            throw Problem(.badGateway, "webhook \(webhook.url) answered \(response.status.code)")
        }
    }
}
