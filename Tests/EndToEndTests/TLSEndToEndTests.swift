import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Testing

/// `serve --tls-cert/--tls-key` answers HTTPS with the given certificate and refuses plain HTTP.
@Suite struct TLSEndToEndTests {
    @Test func serverSpeaksHTTPSWithTheGivenCertificate() async throws {
        let directory = try temporaryDirectory("tls")
        let certificate = directory + "/cert.pem"
        let key = directory + "/key.pem"
        try system([
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", key, "-out", certificate, "-days", "2", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ])
        let server = try RunningProcess(
            "patchpilot",
            [
                "serve", "--data-dir", directory + "/data", "--listen", "127.0.0.1:0", "--tls-cert", certificate,
                "--tls-key", key, "--log-level", "error",
            ]
        )
        defer { server.kill(signal: SIGKILL) }
        let output = try await server.waitForOutput(containing: "listening on ")
        let line = try #require(output.split(separator: "\n").first { $0.contains("listening on ") })
        let url = String(try #require(line.split(separator: " ").last)).replacingOccurrences(
            of: "/",
            with: "",
            options: .anchored,
            range: nil
        )
        #expect(url.hasPrefix("https://127.0.0.1:"))
        let base = url.hasSuffix("/") ? String(url.dropLast()) : url

        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(certificate)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
        defer { _ = client.shutdown() }
        let response = try await client.execute(HTTPClientRequest(url: base + "/healthz"), timeout: .seconds(10))
        #expect(response.status.code == 200)
        let body = try await response.body.collect(upTo: 1024)
        #expect(String(buffer: body) == "ok\n")
        #expect(response.headers.first(name: "Strict-Transport-Security") == "max-age=31536000; includeSubDomains")

        // TLS 1.0 and 1.1 are refused; 1.2 is accepted.
        for (version, accepted) in [(TLSVersion.tlsv1, false), (.tlsv11, false), (.tlsv12, true)] {
            var old = TLSConfiguration.makeClientConfiguration()
            old.trustRoots = .file(certificate)
            old.minimumTLSVersion = version
            old.maximumTLSVersion = version
            let legacy = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: old))
            defer { _ = legacy.shutdown() }
            let outcome = try? await legacy.execute(HTTPClientRequest(url: base + "/healthz"), timeout: .seconds(10))
            #expect((outcome?.status.code == 200) == accepted, "TLS \(version)")
        }

        let plain = HTTPClientRequest(url: base.replacingOccurrences(of: "https://", with: "http://") + "/healthz")
        await #expect(throws: (any Error).self) {
            let answer = try await HTTPClient.shared.execute(plain, timeout: .seconds(5))
            if answer.status.code == 200 { return }
            throw ProcessFailure("plain HTTP was answered with \(answer.status.code)")
        }
    }
}
