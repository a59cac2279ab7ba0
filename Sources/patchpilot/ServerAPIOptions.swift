import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import PatchAPI

/// `--server` and `--token`, shared by the commands that talk to a running server's API.
struct ServerAPIOptions: ParsableArguments {
    @Option(help: "Server base URL (default: $PATCHPILOT_SERVER or http://127.0.0.1:8080).") var server: String?
    @Option(help: "API token (default: $PATCHPILOT_TOKEN).") var token: String?
    @Option(help: "Seconds to wait for the server's answer (1…86400; planning a large fleet takes minutes).")
    var timeout = 600

    /// Sends a request and returns the body of a 2xx answer; prints the problem and exits 1 otherwise.
    func call(
        _ method: HTTPMethod,
        _ path: String,
        body: (any Encodable)? = nil,
        json: Data? = nil
    ) async throws -> Data {
        let environment = ProcessInfo.processInfo.environment
        guard let token = token ?? environment["PATCHPILOT_TOKEN"] else {
            throw ValidationError("give --token or set PATCHPILOT_TOKEN")
        }
        let base = server ?? environment["PATCHPILOT_SERVER"] ?? "http://127.0.0.1:8080"
        var request = HTTPClientRequest(url: base.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        if let body {
            let encoder = JSONEncoder()
            encoder.dateEncodingStrategy = .iso8601
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try encoder.encode(body)))
        } else if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: json))
        }
        guard (1...86400).contains(timeout) else {
            throw ValidationError("--timeout must be 1…86400 seconds, got \(timeout)")
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(Int64(timeout)))
        let data = Data(buffer: try await response.body.collect(upTo: 64 * 1024 * 1024))
        guard (200..<300).contains(response.status.code) else {
            var message = String(decoding: data, as: UTF8.self)
            if let problem = try? JSONDecoder().decode(ProblemDocument.self, from: data) { message = problem.detail }
            FileHandle.standardError.write(
                Data("error: \(method.rawValue) \(path): \(response.status.code): \(message)\n".utf8)
            )
            throw ExitCode(1)
        }
        return data
    }
}
