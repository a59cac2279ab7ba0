import FleetModel

/// The outcome of an enrollment attempt.
public enum EnrollmentOutcome: Sendable, Hashable {
    /// The agent was registered.
    case enrolled(agentID: String, hostID: String)
    /// The agent presented the machine id of an existing host without a re-enroll token for it: it
    /// was registered on a new host flagged as a duplicate of `duplicateOf`, which is left untouched.
    case duplicate(agentID: String, hostID: String, duplicateOf: String)
    /// The token was unknown, wrong, expired or used up; the reason is for logs, not for the client.
    case rejected(reason: String)
}

/// A new agent registration.
public struct AgentRegistration: Sendable, Hashable {
    /// The agent id to create.
    public var agentID: String
    /// The host id to use if the machine is new.
    public var newHostID: String
    /// Base64 Ed25519 public key.
    public var publicKey: String
    /// The host facts the agent sent.
    public var facts: HostFacts

    /// Creates a registration.
    public init(agentID: String, newHostID: String, publicKey: String, facts: HostFacts) {
        self.agentID = agentID
        self.newHostID = newHostID
        self.publicKey = publicKey
        self.facts = facts
    }
}
