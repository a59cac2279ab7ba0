import Foundation
import PatchStore
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

/// Turns rollout notifications (start, wave verdict, pause, failure, completion) into outbox
/// messages, one per webhook, written in the transaction that changed the rollout; the
/// ``WebhookDelivery`` service posts them.
public struct WebhookNotifier: Sendable {
    let webhooks: [Webhook]

    /// Creates a notifier for `webhooks`.
    public init(webhooks: [Webhook]) {
        self.webhooks = webhooks
    }

    struct Generic: Encodable {
        var event: String
        var rollout: String
        var change: String
        var state: String
        var message: String
        var at: Date
    }

    /// The messages announcing `event` of `rollout` to every webhook.
    func messages(rollout: Rollout, event: String, message: String, at: Date) -> [OutboxMessage] {
        messages(
            rollout: rollout.id,
            change: rollout.changeID,
            state: rollout.state,
            event: event,
            message: message,
            at: at
        )
    }

    /// The messages announcing `event` of rollout `id` of `change`, now in `state`, to every webhook.
    func messages(
        rollout id: String,
        change: String,
        state: RolloutState,
        event: String,
        message: String,
        at: Date
    ) -> [OutboxMessage] {
        guard !webhooks.isEmpty else { return [] }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return webhooks.map { webhook in
            let body: Data
            switch webhook.format {
            case .generic:
                body =
                    (try? encoder.encode(
                        Generic(
                            event: event,
                            rollout: id,
                            change: change,
                            state: state.rawValue,
                            message: message,
                            at: at
                        )
                    )) ?? Data()
            case .slack:
                body = (try? encoder.encode(["text": "PatchPilot \(change): \(message)"])) ?? Data()
            }
            return OutboxMessage(
                url: webhook.url,
                format: webhook.format.rawValue,
                event: event,
                body: String(decoding: body, as: UTF8.self)
            )
        }
    }
}
