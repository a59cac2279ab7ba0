import Foundation
import PatchStore
import Testing

@Suite struct UserStoreTests {
    let fixture: StoreFixture
    var store: SQLStorage { fixture.store }

    init() async throws { fixture = try await StoreFixture.make() }

    func alice(id: String = "u1", username: String = "alice") -> UserRecord {
        UserRecord(id: id, username: username, passwordHash: "$2b$12$hash", role: "admin", createdAt: T.base)
    }

    @Test func createdUserIsFoundByNameAndID() async throws {
        #expect(try await store.userCount() == 0)
        try await store.createUser(alice(), actor: "system")
        #expect(try await store.user(named: "alice") == alice())
        #expect(try await store.user(id: "u1") == alice())
        #expect(try await store.userCount() == 1)
    }

    @Test func unknownUsersAreNil() async throws {
        try await store.createUser(alice(), actor: "system")
        #expect(try await store.user(named: "bob") == nil)
        #expect(try await store.user(named: "Alice") == nil)
        #expect(try await store.user(id: "u2") == nil)
        #expect(try await store.user(id: "alice") == nil)
    }

    @Test func duplicateNameIsAConflict() async throws {
        try await store.createUser(alice(), actor: "system")
        let error = await #expect(throws: StoreError.self) {
            try await store.createUser(alice(id: "u2"), actor: "system")
        }
        #expect(error?.code == .conflict)
        #expect(error?.message.contains("alice") == true)
        #expect(try await store.userCount() == 1)
        #expect(try await store.user(id: "u2") == nil)
    }

    @Test func countsSeveralUsers() async throws {
        for index in 0..<5 {
            try await store.createUser(alice(id: "u\(index)", username: "user\(index)"), actor: "system")
        }
        #expect(try await store.userCount() == 5)
        #expect(try await store.user(named: "user3")?.id == "u3")
    }

    @Test func creatingAUserRecordsAnEvent() async throws {
        try await store.createUser(alice(), actor: "user:root")
        let events = try await store.events(limit: 10)
        #expect(events.count == 1)
        #expect(events.first?.action == "user.created")
        #expect(events.first?.actor == "user:root")
        #expect(events.first?.target == "user:alice")
    }
}

@Suite struct SessionStoreTests {
    let fixture: StoreFixture
    var store: SQLStorage { fixture.store }

    init() async throws { fixture = try await StoreFixture.make() }

    func session(_ id: String, expiresIn seconds: TimeInterval) -> SessionRecord {
        SessionRecord(id: id, userID: "u1", csrfToken: "csrf-\(id)", createdAt: T.base, expiresAt: T.at(seconds))
    }

    func addUser() async throws {
        try await store.createUser(
            UserRecord(id: "u1", username: "alice", passwordHash: "h", role: "viewer", createdAt: T.base),
            actor: "system"
        )
    }

    @Test func liveSessionIsReturned() async throws {
        try await addUser()
        try await store.createSession(session("s1", expiresIn: 3600))
        #expect(try await store.session(id: "s1", now: T.base) == session("s1", expiresIn: 3600))
        #expect(try await store.session(id: "s1", now: T.at(3599)) == session("s1", expiresIn: 3600))
    }

    @Test(arguments: [3600.0, 3601.0, 86400.0])
    func expiredSessionIsNotReturned(now: TimeInterval) async throws {
        try await addUser()
        try await store.createSession(session("s1", expiresIn: 3600))
        #expect(try await store.session(id: "s1", now: T.at(now)) == nil)
    }

    @Test func unknownAndDeletedSessionsAreNil() async throws {
        try await addUser()
        try await store.createSession(session("s1", expiresIn: 3600))
        try await store.createSession(session("s2", expiresIn: 3600))
        #expect(try await store.session(id: "nope", now: T.base) == nil)
        try await store.deleteSession(id: "s1")
        #expect(try await store.session(id: "s1", now: T.base) == nil)
        #expect(try await store.session(id: "s2", now: T.base) != nil)
    }
}

@Suite struct APITokenStoreTests {
    let fixture: StoreFixture
    var store: SQLStorage { fixture.store }

    init() async throws { fixture = try await StoreFixture.make() }

    @Test(arguments: [nil, T.at(86400)] as [Date?])
    func tokenRoundTrips(expiresAt: Date?) async throws {
        try await store.createUser(
            UserRecord(id: "u1", username: "alice", passwordHash: "h", role: "admin", createdAt: T.base),
            actor: "system"
        )
        let token = APITokenRecord(
            id: "ppt_abc",
            userID: "u1",
            name: "ci",
            secretHash: "deadbeef",
            createdAt: T.base,
            expiresAt: expiresAt
        )
        try await store.createAPIToken(token, actor: "user:alice")
        let stored = try #require(try await store.apiToken(id: "ppt_abc"))
        #expect(stored == token)
        #expect(stored.revoked == false)
        #expect(try await store.apiToken(id: "ppt_other") == nil)
        #expect(try await store.events(limit: 1).first?.action == "api_token.created")
    }
}
