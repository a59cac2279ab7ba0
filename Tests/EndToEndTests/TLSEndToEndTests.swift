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

    /// A certificate of one key type and the TLS 1.2 suites a client may and may not get with it.
    struct CipherCase: Sendable, CustomStringConvertible {
        var key: String
        var keyOptions: [String]
        var accepted: [String]
        var refused: [String]
        var description: String { key }
    }

    static let cipherCases = [
        CipherCase(
            key: "ec",
            keyOptions: ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"],
            accepted: [
                "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305",
            ],
            // CBC with HMAC, not AEAD (all forward-secret: the refusal is about the cipher).
            refused: ["ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA", "ECDHE-ECDSA-AES128-SHA256"]
        ),
        CipherCase(
            key: "rsa",
            keyOptions: ["-newkey", "rsa:2048"],
            accepted: ["ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-CHACHA20-POLY1305"],
            // Not AEAD, or AEAD without forward secrecy (static RSA key exchange).
            refused: ["AES128-SHA", "ECDHE-RSA-AES128-SHA", "AES128-GCM-SHA256", "AES256-GCM-SHA384"]
        ),
    ]

    /// What `openssl s_client` gets offering only `cipher` over TLS 1.2 (the client's own security
    /// level lowered to 0, so only the server can refuse): exit status and output.
    func handshake(port: String, cipher: String) throws -> (status: Int32, output: String) {
        try systemStatus([
            "timeout", "20", "openssl", "s_client", "-connect", "127.0.0.1:\(port)", "-servername", "localhost",
            "-tls1_2", "-cipher", "\(cipher):@SECLEVEL=0",
        ])
    }

    @Test(arguments: cipherCases)
    func tls12NegotiatesOnlyForwardSecretAEADSuites(_ cipherCase: CipherCase) async throws {
        let directory = try temporaryDirectory("tls-\(cipherCase.key)")
        let certificate = directory + "/cert.pem"
        let key = directory + "/key.pem"
        try system(
            ["openssl", "req", "-x509"] + cipherCase.keyOptions + [
                "-nodes", "-keyout", key, "-out", certificate, "-days", "2", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            ]
        )
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
        let port = String(try #require(line.split(separator: ":").last)).filter { $0.isNumber }
        for cipher in cipherCase.accepted {
            let (status, text) = try handshake(port: port, cipher: cipher)
            #expect(
                status == 0 && text.contains("Cipher is \(cipher)"),
                "\(cipher) refused (\(status)): \(text.suffix(600))"
            )
        }
        for cipher in cipherCase.refused {
            let (status, text) = try handshake(port: port, cipher: cipher)
            #expect(status != 0 && status != 124, "\(cipher) (\(status)): \(text.suffix(600))")
            #expect(!text.contains("Cipher is \(cipher)"), "\(cipher) was negotiated: \(text.suffix(600))")
        }
    }
}
