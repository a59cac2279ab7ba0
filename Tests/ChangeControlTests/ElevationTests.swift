import ChangeControl
import Foundation
import Testing

@Suite struct ElevationTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func request(breakGlass: Bool = false) throws -> Elevation {
        try Elevation(
            id: "ELV-1",
            userID: "u-op",
            username: "olga",
            role: "admin",
            scope: .global,
            duration: 3600,
            reason: "INC-7: disk full on db-1",
            breakGlass: breakGlass,
            now: now
        )
    }

    @Test func anotherAdminApprovesAndTheGrantExpiresByItself() throws {
        var elevation = try request()
        #expect(elevation.grant == nil)
        #expect(throws: ChangeControlError.self) {
            try elevation.approve(approverID: "u-op", approver: "olga", now: now)
        }
        let later = now.addingTimeInterval(600)
        try elevation.approve(approverID: "u-adm", approver: "ada", now: later)
        let grant = try #require(elevation.grant)
        #expect(grant.expiresAt == later.addingTimeInterval(3600))
        #expect(grant.isActive(at: later.addingTimeInterval(3599)))
        #expect(!grant.isActive(at: later.addingTimeInterval(3600)))
        let authorization = Authorization(grants: [grant], roles: [:], now: later.addingTimeInterval(3600))
        #expect(!authorization.allows(.usersManage))
        #expect(!elevation.hasLapsed(at: later.addingTimeInterval(3599)))
        let expired = elevation.expireIfLapsed(at: later.addingTimeInterval(3600))
        #expect(expired)
        #expect(elevation.state == .expired)
        #expect(elevation.grant == nil)
    }

    @Test func breakGlassSelfApprovesAndOwesAReview() throws {
        var elevation = try request(breakGlass: true)
        #expect(elevation.state == .active)
        #expect(elevation.decidedBy == "olga")
        let due = try #require(elevation.reviewDueAt)
        #expect(elevation.isReviewOverdue(at: due))
        #expect(throws: ChangeControlError.self) {
            try elevation.recordReview(reviewerID: "u-op", reviewer: "olga", now: due)
        }
        try elevation.recordReview(reviewerID: "u-adm", reviewer: "ada", now: due)
        #expect(!elevation.isReviewOverdue(at: due.addingTimeInterval(10)))
    }

    @Test func invalidRequestsAreRefused() {
        #expect(throws: ChangeControlError.self) {
            try Elevation(
                id: "E",
                userID: "u",
                username: "u",
                role: "admin",
                scope: .global,
                duration: 30,
                reason: "x",
                breakGlass: false,
                now: now
            )
        }
        #expect(throws: ChangeControlError.self) {
            try Elevation(
                id: "E",
                userID: "u",
                username: "u",
                role: "admin",
                scope: .global,
                duration: 90_000,
                reason: "x",
                breakGlass: false,
                now: now
            )
        }
        #expect(throws: ChangeControlError.self) {
            try Elevation(
                id: "E",
                userID: "u",
                username: "u",
                role: "admin",
                scope: .global,
                duration: 600,
                reason: " ",
                breakGlass: false,
                now: now
            )
        }
    }

    @Test func deniedAndRevoked() throws {
        var denied = try request()
        try denied.deny(approverID: "u-adm", approver: "ada")
        #expect(denied.state == .denied)
        #expect(throws: ChangeControlError.self) { try denied.approve(approverID: "u-adm", approver: "ada", now: now) }
        var active = try request(breakGlass: true)
        try active.revoke(by: "user:ada")
        #expect(active.grant == nil)
    }
}
