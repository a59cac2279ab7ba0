import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOPosix
import PatchServer
import Testing

/// A request head over the limits is answered 414 or 431 at once over a real socket, never left
/// hanging; one under them is served, also behind other requests on a kept-alive connection.
@Suite struct RequestHeadLimitsTests {
    static let limits = RequestHeadLimits(maxRequestLineBytes: 2048, maxHeadBytes: 8192)

    func withServer(_ body: @Sendable (Int) async throws -> Void) async throws {
        let router = Router()
        router.get("/") { _, _ in "served" }
        router.post("/") { request, _ in
            let body = try await request.body.collect(upTo: 1024 * 1024)
            return "received \(body.readableBytes)"
        }
        let app = Application(
            router: router,
            server: .http1(limits: Self.limits),
            configuration: .init(address: .hostname("127.0.0.1", port: 0))
        )
        try await app.test(.live) { client in
            try await body(try #require(client.port))
        }
    }

    /// Sends `writes` (pausing between them) and reads until the server closes, failing after 10 s.
    static func exchange(port: Int, _ writes: [String]) async throws -> String {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await withThrowingTaskGroup(of: String?.self) { group in
            group.addTask {
                try await channel.executeThenClose { inbound, outbound in
                    for (index, write) in writes.enumerated() {
                        if index > 0 { try await Task.sleep(for: .milliseconds(200)) }
                        try await outbound.write(ByteBuffer(string: write))
                    }
                    var received = ByteBuffer()
                    for try await chunk in inbound { received.writeImmutableBuffer(chunk) }
                    return String(buffer: received)
                }
            }
            group.addTask {
                try await Task.sleep(for: .seconds(10))
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            channel.channel.close(promise: nil)
            return try #require(first, "no answer within 10 s")
        }
    }

    /// The status codes of the responses in `answer`, in order (bodies need not end in a newline).
    static func statuses(_ answer: String) -> [Int] {
        var codes: [Int] = []
        var rest = answer[...]
        while let range = rest.range(of: "HTTP/1.1 ") {
            if let code = Int(rest[range.upperBound...].prefix(3)) { codes.append(code) }
            rest = rest[range.upperBound...]
        }
        return codes
    }

    @Test func aHeadWithinTheLimitsIsServed() async throws {
        try await withServer { port in
            let target = "/?q=" + String(repeating: "a", count: 2048 - 20)
            let cookie = String(repeating: "c", count: 5000)
            let answer = try await Self.exchange(
                port: port,
                ["GET \(target) HTTP/1.1\r\nHost: x\r\nCookie: s=\(cookie)\r\nConnection: close\r\n\r\n"]
            )
            #expect(Self.statuses(answer) == [200])
            #expect(answer.hasSuffix("served"))
        }
    }

    @Test func aLongRequestLineGets414EvenInPieces() async throws {
        try await withServer { port in
            let target = "/?q=" + String(repeating: "a", count: 3000)
            let request = "GET \(target) HTTP/1.1\r\nHost: x\r\n\r\n"
            let whole = try await Self.exchange(port: port, [request])
            #expect(Self.statuses(whole) == [414])
            #expect(whole.contains("Connection: close"))
            // Split so that no single read passes the limit: the guard counts across reads, and it
            // answers before the head is complete.
            let pieces = try await Self.exchange(
                port: port,
                [String(request.prefix(1500)), String(request.dropFirst(1500).prefix(1000))]
            )
            #expect(Self.statuses(pieces) == [414])
        }
    }

    @Test func largeHeaderFieldsGet431() async throws {
        try await withServer { port in
            // Many fields, each small, together over the head limit.
            let fields = (0..<100).map { "X-Field-\($0): \(String(repeating: "v", count: 90))\r\n" }.joined()
            let answer = try await Self.exchange(port: port, ["GET / HTTP/1.1\r\nHost: x\r\n\(fields)\r\n"])
            #expect(Self.statuses(answer) == [431])
            #expect(answer.contains("header fields are too large"))
        }
    }

    @Test func aRefusalOnAKeptAliveConnectionComesAfterTheResponsesOwed() async throws {
        try await withServer { port in
            let cookie = String(repeating: "c", count: 9000)
            let answer = try await Self.exchange(
                port: port,
                [
                    "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
                    "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
                    "GET / HTTP/1.1\r\nHost: x\r\nCookie: s=\(cookie)\r\n\r\n",
                ]
            )
            #expect(Self.statuses(answer) == [200, 200, 431])
        }
    }

    /// A body behind a pipelined request is a body, not a head: 100 KB without a blank line, sent
    /// after a GET in the same write, is received whole rather than refused as a huge head.
    @Test func aBodyBehindAPipelinedRequestIsNotMistakenForAHead() async throws {
        try await withServer { port in
            let body = String(repeating: "x", count: 100_000)
            let head = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n"
            let pipelined = "GET / HTTP/1.1\r\nHost: x\r\n\r\n" + head + String(body.prefix(1000))
            let answer = try await Self.exchange(port: port, [pipelined, String(body.dropFirst(1000))])
            #expect(Self.statuses(answer) == [200, 200])
            #expect(answer.hasSuffix("received 100000"))
        }
    }

    /// A head that starts in the same read as the end of the previous one (and so reaches the
    /// decoder partly unscanned) is not measured from its middle: a long header line within the
    /// limits is not taken for a long request line.
    @Test func aHeadSplitBehindAnotherIsNotMeasuredFromItsMiddle() async throws {
        try await withServer { port in
            let cookie = String(repeating: "c", count: 3000)
            let third = "GET / HTTP/1.1\r\nHost: x\r\nCookie: s=\(cookie)\r\nConnection: close\r\n\r\n"
            let split = third.index(third.startIndex, offsetBy: 40)
            let answer = try await Self.exchange(
                port: port,
                [
                    "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
                    "GET / HTTP/1.1\r\nHost: x\r\n\r\n" + String(third[..<split]),
                    String(third[split...]),
                ]
            )
            #expect(Self.statuses(answer) == [200, 200, 200])
        }
    }

    @Test func limitsAreClampedToASaneRange() {
        let tiny = RequestHeadLimits(maxRequestLineBytes: -5, maxHeadBytes: 10)
        #expect(tiny.maxRequestLineBytes == 1024)
        #expect(tiny.maxHeadBytes == 1024)
        let huge = RequestHeadLimits(maxRequestLineBytes: Int.max, maxHeadBytes: Int.max)
        #expect(huge.maxRequestLineBytes == 1024 * 1024)
        #expect(huge.maxHeadBytes == 1024 * 1024)
    }
}
