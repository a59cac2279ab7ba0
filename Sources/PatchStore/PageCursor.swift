import Foundation

/// The text of a keyset cursor: a list's name and the sort values of the last row of a page,
/// URL-safe (base64url of a JSON array of strings) and bounded, so an API can hand it out and
/// read it back without trusting it.
enum PageCursor {
    /// The longest token read back.
    static let maximumLength = 4096

    static func token(_ fields: [String]) -> String {
        let data = (try? JSONEncoder().encode(fields)) ?? Data()
        return data.base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// The fields of a token; `nil` when it is not one.
    static func fields(_ token: String) -> [String]? {
        let urlSafe = { (byte: UInt8) -> Bool in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
                true
            default: false
            }
        }
        guard !token.isEmpty, token.utf8.count <= maximumLength, token.utf8.allSatisfy(urlSafe) else { return nil }
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64) else { return nil }
        return try? JSONDecoder().decode([String].self, from: data)
    }
}

/// Where the next page of the agent list starts: the enrollment time and id of the last agent of
/// the page before (agents are listed newest enrollment first, ties by id).
public struct AgentCursor: Sendable, Hashable {
    /// The last agent's enrollment, in milliseconds since 1970.
    public var enrolledAtMillis: Int64
    /// The last agent's id.
    public var id: String

    /// Creates a cursor.
    public init(enrolledAtMillis: Int64, id: String) {
        self.enrolledAtMillis = enrolledAtMillis
        self.id = id
    }

    /// The cursor as an opaque URL-safe token.
    public var token: String { PageCursor.token(["agents", String(enrolledAtMillis), id]) }

    /// The cursor a token stands for; `nil` when it is not one.
    public init?(token: String) {
        guard let fields = PageCursor.fields(token), fields.count == 3, fields[0] == "agents",
            let millis = Int64(fields[1])
        else { return nil }
        self.init(enrolledAtMillis: millis, id: fields[2])
    }
}

/// A page of agents, how many there are in all, and where the next page starts.
public struct AgentPage: Sendable, Hashable {
    /// The agents on this page.
    public var agents: [AgentRecord]
    /// All agents (revoked ones included).
    public var total: Int
    /// Where the next page starts; `nil` on the last page.
    public var next: AgentCursor?

    /// Creates a page.
    public init(agents: [AgentRecord], total: Int, next: AgentCursor?) {
        self.agents = agents
        self.total = total
        self.next = next
    }
}
