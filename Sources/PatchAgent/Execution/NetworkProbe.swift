import Foundation

/// TCP connect and plain-HTTP GET probes on POSIX sockets: small, with a timeout, and free of any
/// HTTP stack (the executor may run while the system's TLS libraries are being upgraded).
/// `https://` is not supported by the probe and reported as a failed check.
struct NetworkProbe: Sendable {
    var timeoutSeconds: Int

    func tcpConnect(_ host: String, _ port: Int) -> CheckResult {
        let name = "tcpConnect \(host):\(port)"
        switch connect(host, port) {
        case .success(let fd):
            close(fd)
            return CheckResult(check: name, passed: true, detail: "connected")
        case .failure(let reason):
            return CheckResult(check: name, passed: false, detail: reason.text)
        }
    }

    func httpGet(_ urlText: String, expectedStatus: Int, bodyContains: String?) -> CheckResult {
        let name = "httpGet \(urlText)"
        guard let url = URL(string: urlText), url.scheme == "http", let host = url.host else {
            return CheckResult(check: name, passed: false, detail: "only http:// URLs are probed")
        }
        let port = url.port ?? 80
        let path = url.path.isEmpty ? "/" : url.path + (url.query.map { "?" + $0 } ?? "")
        let fd: Int32
        switch connect(host, port) {
        case .success(let connected): fd = connected
        case .failure(let reason): return CheckResult(check: name, passed: false, detail: reason.text)
        }
        defer { close(fd) }
        let request = Array("GET \(path) HTTP/1.0\r\nHost: \(host):\(port)\r\nConnection: close\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.count
        else {
            return CheckResult(check: name, passed: false, detail: "send failed")
        }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while response.count < 1 << 20 {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            response += buffer[0..<count]
        }
        let text = String(decoding: response, as: UTF8.self)
        let statusLine = text.prefix { $0 != "\r" && $0 != "\n" }
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), let status = Int(parts[1]) else {
            return CheckResult(check: name, passed: false, detail: "no HTTP status line in the answer")
        }
        let body = text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? ""
        if status != expectedStatus {
            return CheckResult(check: name, passed: false, detail: "status \(status), expected \(expectedStatus)")
        }
        if let bodyContains, !body.contains(bodyContains) {
            return CheckResult(
                check: name,
                passed: false,
                detail: "status \(status) but body lacks \"\(bodyContains)\""
            )
        }
        return CheckResult(check: name, passed: true, detail: "status \(status)")
    }

    struct Failure: Error {
        var text: String
    }

    /// Connects with a timeout; returns a blocking socket with send/receive timeouts set.
    private func connect(_ host: String, _ port: Int) -> Result<Int32, Failure> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else {
            return .failure(Failure(text: "cannot resolve \(host)"))
        }
        defer { freeaddrinfo(list) }
        var lastError = "no address"
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry {
            entry = current.pointee.ai_next
            let fd = socket(current.pointee.ai_family, current.pointee.ai_socktype, current.pointee.ai_protocol)
            guard fd >= 0 else { continue }
            let flags = fcntl(fd, F_GETFL, 0)
            _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
            var result = Glibc.connect(fd, current.pointee.ai_addr, current.pointee.ai_addrlen)
            if result != 0, errno == EINPROGRESS {
                var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                if poll(&poller, 1, Int32(timeoutSeconds * 1000)) == 1 {
                    var error: Int32 = 0
                    var length = socklen_t(MemoryLayout<Int32>.size)
                    getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
                    result = error == 0 ? 0 : -1
                    if error != 0 { lastError = String(cString: strerror(error)) }
                } else {
                    lastError = "timed out after \(timeoutSeconds)s"
                }
            } else if result != 0 {
                lastError = String(cString: strerror(errno))
            }
            guard result == 0 else {
                close(fd)
                continue
            }
            _ = fcntl(fd, F_SETFL, flags)
            var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            return .success(fd)
        }
        return .failure(Failure(text: "cannot connect to \(host):\(port): \(lastError)"))
    }
}
