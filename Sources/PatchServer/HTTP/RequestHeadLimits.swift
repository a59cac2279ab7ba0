import HTTPTypes
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes

/// Limits on a request's head, answered with the status RFC 9110 and RFC 6585 name for them: a
/// request line longer than ``maxRequestLineBytes`` gets `414 URI Too Long`, a head (request line
/// and header fields) longer than ``maxHeadBytes`` gets `431 Request Header Fields Too Large` — at
/// once, as soon as the limit is passed, and the connection is closed. Without this the HTTP
/// decoder's own limit (80 KiB) answers a bare `400`.
public struct RequestHeadLimits: Sendable {
    /// Longest request line (method, target, version), in bytes. Default 16 KiB.
    public var maxRequestLineBytes: Int
    /// Longest head (request line and all header fields), in bytes. Default 64 KiB.
    public var maxHeadBytes: Int

    /// Creates limits; both are clamped to 1 KiB…1 MiB.
    public init(maxRequestLineBytes: Int = 16 * 1024, maxHeadBytes: Int = 64 * 1024) {
        let floor = 1024
        let ceiling = 1024 * 1024
        self.maxRequestLineBytes = min(max(maxRequestLineBytes, floor), ceiling)
        self.maxHeadBytes = min(max(maxHeadBytes, self.maxRequestLineBytes), ceiling)
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 whose request heads are held to `limits` (see ``RequestHeadLimits``).
    public static func http1(limits: RequestHeadLimits) -> HTTPServerBuilder {
        .init { responder in
            var configuration = HTTP1Channel.Configuration()
            // The decoder's limits stay as a backstop a little above ours (for bytes this check did
            // not see, such as a pipelined request behind a body).
            configuration.httpDecoder = .init(
                maxHeaderFieldSize: limits.maxHeadBytes + 1024,
                maxHeaderListSize: limits.maxHeadBytes + 1024
            )
            return HeadLimitedHTTP1Channel(limits: limits, responder: responder, configuration: configuration)
        }
    }
}

/// An ``HTTP1Channel`` with a ``RequestHeadGuard`` in front of its HTTP decoder and a
/// ``RequestBoundaryWatcher`` behind it.
struct HeadLimitedHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value
    let limits: RequestHeadLimits
    let responder: HTTPChannelHandler.Responder
    let configuration: HTTP1Channel.Configuration

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let limits = limits
        let state = NIOLoopBoundBox(RequestHeadState(limits: limits), eventLoop: channel.eventLoop)
        var configuration = configuration
        let additional = configuration.additionalChannelHandlers
        configuration.additionalChannelHandlers = { [RequestBoundaryWatcher(state: state)] + additional() }
        do {
            try channel.pipeline.syncOperations.addHandler(RequestHeadGuard(state: state))
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        return HTTP1Channel(responder: responder, configuration: configuration).setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await HTTP1Channel(responder: responder, configuration: configuration).handle(value: value, logger: logger)
    }
}

/// What the guard knows of the connection: where it is in the current request head, and how many
/// requests still await their response (a rejection must not overtake them).
struct RequestHeadState {
    enum Position {
        /// Reading a head: bytes of the current line, whether it is the request line, bytes so far.
        case head(lineBytes: Int, isRequestLine: Bool, headBytes: Int)
        /// The head is complete; the decoder reads the body until the request ends.
        case body
        /// Bytes of the next head may have gone to the decoder unscanned (behind the last head in
        /// one read): find that head's end without counting, then follow the decoder again.
        case resync(lineBytes: Int)
        /// The connection is being refused; nothing more is read.
        case refused
    }

    let limits: RequestHeadLimits
    var position = Position.head(lineBytes: 0, isRequestLine: true, headBytes: 0)
    var unanswered = 0
    var pendingRefusal: (context: ChannelHandlerContext, response: ByteBuffer)?
    /// The last head ended before the end of its read: the rest went on unscanned.
    var tailUnscanned = false

    init(limits: RequestHeadLimits) {
        self.limits = limits
    }

    /// Scans `bytes` of a head; the status to refuse the request with, if a limit is passed.
    mutating func scan(_ bytes: ByteBufferView) -> HTTPResponse.Status? {
        if case .resync(var line) = position {
            for (offset, byte) in zip(1..., bytes) {
                if byte == UInt8(ascii: "\n") {
                    if line == 0 {
                        position = .body
                        tailUnscanned = offset < bytes.count
                        return nil
                    }
                    line = 0
                } else if byte != UInt8(ascii: "\r") {
                    line += 1
                }
            }
            position = .resync(lineBytes: line)
            return nil
        }
        guard case .head(var line, var isRequestLine, var head) = position else { return nil }
        for (offset, byte) in zip(1..., bytes) {
            if byte == UInt8(ascii: "\n") {
                if line == 0 {
                    // An empty line ends the head; before the request line it is ignored (RFC 9112 2.2).
                    if !isRequestLine {
                        position = .body
                        tailUnscanned = offset < bytes.count
                        return nil
                    }
                } else {
                    isRequestLine = false
                }
                line = 0
                continue
            }
            if byte == UInt8(ascii: "\r") { continue }
            line += 1
            head += 1
            if isRequestLine, line > limits.maxRequestLineBytes { return refuse(.uriTooLong) }
            if head > limits.maxHeadBytes { return refuse(.requestHeaderFieldsTooLarge) }
        }
        position = .head(lineBytes: line, isRequestLine: isRequestLine, headBytes: head)
        return nil
    }

    private mutating func refuse(_ status: HTTPResponse.Status) -> HTTPResponse.Status {
        position = .refused
        return status
    }

    /// The decoder has a request's head: what follows is its body, whatever this scan thought (the
    /// head may have arrived in bytes passed on unscanned, behind another request).
    mutating func headDecoded() {
        if case .refused = position { return }
        position = .body
    }

    /// The request ended; the next bytes begin another head — or continue one that was passed on
    /// unscanned, whose end is then found without counting (the decoder's own limit still holds).
    mutating func requestEnded() {
        guard case .body = position else { return }
        position = tailUnscanned ? .resync(lineBytes: 1) : .head(lineBytes: 0, isRequestLine: true, headBytes: 0)
        tailUnscanned = false
    }
}

/// Sits before the HTTP decoder and counts the bytes of each request head; a head over a limit is
/// not passed on but answered with 414 or 431, after any responses still owed on the connection.
final class RequestHeadGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let state: NIOLoopBoundBox<RequestHeadState>

    init(state: NIOLoopBoundBox<RequestHeadState>) {
        self.state = state
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        if case .refused = state.value.position { return }
        guard let status = state.value.scan(buffer.readableBytesView) else {
            context.fireChannelRead(data)
            return
        }
        let response = Self.response(status, allocator: context.channel.allocator)
        if state.value.unanswered == 0 {
            Self.send(response, context: context)
        } else {
            state.value.pendingRefusal = (context, response)
        }
    }

    /// Writes the refusal, then closes gently: the sending side first, the rest after the client
    /// closed or two seconds, reading and dropping what still arrives meanwhile — closing a socket
    /// with unread input sends a reset, which can destroy the answer before the client reads it.
    static func send(_ response: ByteBuffer, context: ChannelHandlerContext) {
        let channel = context.channel
        context.writeAndFlush(NIOAny(response)).whenComplete { _ in
            channel.close(mode: .output).whenComplete { result in
                guard case .success = result else {
                    channel.close(promise: nil)
                    return
                }
                channel.eventLoop.scheduleTask(in: .seconds(2)) { channel.close(promise: nil) }
            }
        }
    }

    static func response(_ status: HTTPResponse.Status, allocator: ByteBufferAllocator) -> ByteBuffer {
        let text =
            status == .uriTooLong
            ? "The request line is too long.\n" : "The request's header fields are too large.\n"
        var buffer = allocator.buffer(capacity: 160 + text.utf8.count)
        buffer.writeString(
            "HTTP/1.1 \(status.code) \(status.reasonPhrase)\r\nContent-Type: text/plain; charset=utf-8\r\n"
                + "Content-Length: \(text.utf8.count)\r\nConnection: close\r\n\r\n\(text)"
        )
        return buffer
    }
}

/// Sits behind the HTTP codec: tells the guard where each request ends (so it reads the next head)
/// and when the responses owed on the connection are all written (so a refusal can go out).
final class RequestBoundaryWatcher: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart
    let state: NIOLoopBoundBox<RequestHeadState>

    init(state: NIOLoopBoundBox<RequestHeadState>) {
        self.state = state
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            state.value.unanswered += 1
            state.value.headDecoded()
        case .end: state.value.requestEnded()
        case .body: break
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let isEnd: Bool
        if case .end = unwrapOutboundIn(data) { isEnd = true } else { isEnd = false }
        context.write(data, promise: promise)
        guard isEnd else { return }
        state.value.unanswered = max(0, state.value.unanswered - 1)
        if state.value.unanswered == 0, let refusal = state.value.pendingRefusal {
            state.value.pendingRefusal = nil
            context.flush()
            RequestHeadGuard.send(refusal.response, context: refusal.context)
        }
    }
}
