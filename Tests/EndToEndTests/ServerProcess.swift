import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// A real `patchpilot serve` process on an ephemeral loopback port with its own data directory.
struct ServerProcess {
    let dataDirectory: String
    let process: RunningProcess
    let url: String
    let adminPassword: String?

    /// The `host:port` the server listens on: pass it as `listen` to restart on the same address.
    var listenAddress: String { url.replacingOccurrences(of: "http://", with: "") }

    /// Starts a server on `listen` (an ephemeral loopback port by default) with any extra `serve` flags.
    static func start(
        dataDirectory: String,
        listen: String = "127.0.0.1:0",
        extraArguments: [String] = []
    ) async throws -> ServerProcess {
        let process = try RunningProcess(
            "patchpilot",
            ["serve", "--data-dir", dataDirectory, "--listen", listen, "--log-level", "warning"] + extraArguments
        )
        let output = try await process.waitForOutput(containing: "listening on ")
        guard let line = output.split(separator: "\n").first(where: { $0.contains("listening on ") }),
            let range = line.range(of: "http://")
        else { throw ProcessFailure("no URL in: \(output)") }
        var url = String(line[range.lowerBound...])
        if url.hasSuffix("/") { url.removeLast() }
        let password = output.split(separator: "\n").first { $0.contains("one-time password: ") }
            .map { String($0.split(separator: " ").last ?? "") }
        return ServerProcess(dataDirectory: dataDirectory, process: process, url: url, adminPassword: password)
    }

    func stop() async throws {
        process.kill(signal: SIGTERM)
        _ = try await process.wait(timeout: 30)
    }

    func apiToken() async throws -> String {
        try await run("patchpilot", ["token", "create", "--data-dir", dataDirectory, "--user", "admin"]).output
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func enrollmentToken(uses: Int) async throws -> String {
        try await run("patchpilot", ["enroll-token", "create", "--data-dir", dataDirectory, "--uses", String(uses)])
            .output
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// POST JSON to an API path with a bearer token.
    func post(_ path: String, json: Data, token: String) async throws -> (status: Int, body: Data) {
        var request = HTTPClientRequest(url: url + path)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(data: json))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 64 * 1024 * 1024)
        return (Int(response.status.code), Data(buffer: body))
    }

    /// PUT JSON to an API path with a bearer token.
    func put(_ path: String, json: Data, token: String) async throws -> (status: Int, body: Data) {
        var request = HTTPClientRequest(url: url + path)
        request.method = .PUT
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(data: json))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 64 * 1024 * 1024)
        return (Int(response.status.code), Data(buffer: body))
    }

    /// GET a JSON API path with a bearer token.
    func get(_ path: String, token: String) async throws -> (status: Int, body: Data) {
        var request = HTTPClientRequest(url: url + path)
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 64 * 1024 * 1024)
        return (Int(response.status.code), Data(buffer: body))
    }
}

func temporaryDirectory(_ label: String) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("pp-\(label)-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}
