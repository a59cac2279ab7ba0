import Foundation
import NIOSSL
import PostgresNIO

/// Where and how to reach PostgreSQL, parsed from a `postgres://` URL:
/// `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|require|verify-full][&sslrootcert=FILE]`,
/// or a Unix socket directory as `?host=/run/postgresql` (the libpq convention). The password is
/// never part of an error message or a log line.
public struct PostgresDatabaseURL: Sendable, CustomStringConvertible {
    /// How TLS is used, as libpq's `sslmode` names it.
    public enum TLSMode: String, Sendable {
        /// No TLS (the default on a Unix socket or loopback).
        case disable
        /// TLS without checking the server's certificate (protects against eavesdroppers only).
        case require
        /// TLS with the certificate checked against the trust roots and the host name.
        case verifyFull = "verify-full"
    }

    public var user: String
    public var password: String?
    public var host: String
    public var port: Int
    public var database: String
    /// A Unix socket directory (from `host=/…`): the socket file is `.s.PGSQL.PORT` in it.
    public var socketDirectory: String?
    public var tlsMode: TLSMode
    /// A PEM file of trust roots for `verify-full` (default: the system's).
    public var rootCertificateFile: String?

    /// Parses a URL; the error says which part is wrong.
    public init(_ text: String) throws {
        guard let components = URLComponents(string: text), let scheme = components.scheme,
            scheme == "postgres" || scheme == "postgresql"
        else {
            throw StoreError(
                code: .unavailable,
                message: "database URL must look like postgres://user@host:5432/database, got '\(Self.redacted(text))'"
            )
        }
        let query = Dictionary(
            (components.queryItems ?? []).map { ($0.name, $0.value ?? "") },
            uniquingKeysWith: { _, last in last }
        )
        for key in query.keys where !["sslmode", "sslrootcert", "host", "port", "user", "password"].contains(key) {
            throw StoreError(code: .unavailable, message: "database URL: unknown parameter '\(key)'")
        }
        user = components.user ?? query["user"] ?? ""
        guard !user.isEmpty else { throw StoreError(code: .unavailable, message: "database URL names no user") }
        password = components.password ?? query["password"]
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        database = path.isEmpty ? user : path
        let portText = components.port.map(String.init) ?? query["port"] ?? "5432"
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw StoreError(code: .unavailable, message: "database URL: port '\(portText)' is not in 1…65535")
        }
        self.port = port
        if let socket = query["host"], socket.hasPrefix("/") {
            socketDirectory = socket
            host = components.host ?? "localhost"
        } else {
            host = components.host.flatMap { $0.isEmpty ? nil : $0 } ?? query["host"] ?? "localhost"
        }
        let mode = query["sslmode"] ?? "disable"
        guard let tlsMode = TLSMode(rawValue: mode) else {
            throw StoreError(
                code: .unavailable,
                message: "database URL: sslmode '\(mode)' is not one of disable, require, verify-full"
            )
        }
        self.tlsMode = tlsMode
        rootCertificateFile = query["sslrootcert"]
    }

    /// The URL without its password.
    public var description: String {
        let place = socketDirectory.map { "\(host):\(port) (socket in \($0))" } ?? "\(host):\(port)"
        return "postgres://\(user)@\(place)/\(database) sslmode=\(tlsMode.rawValue)"
    }

    /// The connection configuration PostgresNIO takes.
    public func connectionConfiguration() throws -> PostgresConnection.Configuration {
        if let socketDirectory {
            return PostgresConnection.Configuration(
                unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)",
                username: user,
                password: password,
                database: database
            )
        }
        let tls: PostgresConnection.Configuration.TLS
        switch tlsMode {
        case .disable:
            tls = .disable
        case .require:
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .none
            tls = .require(try NIOSSLContext(configuration: configuration))
        case .verifyFull:
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .fullVerification
            if let rootCertificateFile { configuration.trustRoots = .file(rootCertificateFile) }
            tls = .require(try NIOSSLContext(configuration: configuration))
        }
        return PostgresConnection.Configuration(
            host: host,
            port: port,
            username: user,
            password: password,
            database: database,
            tls: tls
        )
    }

    /// `text` with any password replaced, for messages.
    static func redacted(_ text: String) -> String {
        guard var components = URLComponents(string: text), components.password != nil else { return text }
        components.password = "***"
        return components.string ?? "(unparseable URL)"
    }
}
