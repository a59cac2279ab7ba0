import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// A client for the Prometheus HTTP API (`/api/v1/query`, `/api/v1/query_range`), for the metric
/// gates of a rollout: it runs PromQL and returns the series; judging them is `RolloutEngine`'s job.
public struct PrometheusClient: Sendable {
    /// Where Prometheus is and how long to wait for it.
    public struct Configuration: Sendable {
        /// The server's base URL, e.g. `http://prometheus:9090` (a path prefix such as
        /// `http://gateway/prometheus` is kept; a trailing slash is dropped).
        public var baseURL: String
        /// The longest a query may take, connection and body included (default 30 s). It is also
        /// sent to Prometheus as the query's `timeout`, so that the server gives up too.
        public var timeout: Duration
        /// Extra request headers, e.g. `Authorization` for a Prometheus behind a proxy. Their
        /// values never appear in errors.
        public var headers: [String: String]

        /// Creates a configuration.
        public init(baseURL: String, timeout: Duration = .seconds(30), headers: [String: String] = [:]) {
            var url = baseURL
            while url.hasSuffix("/") { url.removeLast() }
            self.baseURL = url
            self.timeout = timeout
            self.headers = headers
        }
    }

    /// One time series of a result: its labels and its samples in time order.
    public struct Series: Sendable, Hashable {
        /// The labels (`__name__` included when the result keeps it).
        public var metric: [String: String]
        /// The samples; one for an instant vector or a scalar.
        public var values: [Sample]

        /// Creates a series.
        public init(metric: [String: String], values: [Sample]) {
            self.metric = metric
            self.values = values
        }
    }

    /// One sample: a Unix timestamp in seconds (millisecond precision) and the value, which may be
    /// NaN or ±infinity.
    public struct Sample: Sendable, Hashable {
        /// Seconds since 1970-01-01 UTC.
        public var timestamp: Double
        /// The value.
        public var value: Double

        /// Creates a sample.
        public init(timestamp: Double, value: Double) {
            self.timestamp = timestamp
            self.value = value
        }
    }

    /// The configuration.
    public var configuration: Configuration
    let http: HTTPClient
    let logger: Logger?

    /// Creates a client on `http` (by default the process-wide shared client).
    public init(configuration: Configuration, http: HTTPClient = .shared, logger: Logger? = nil) {
        self.configuration = configuration
        self.http = http
        self.logger = logger
    }

    /// Runs a range query (`GET /api/v1/query_range`): the series of `query` evaluated every
    /// `step` from `start` to `end`, both included.
    /// - Throws: `PrometheusClientError`.
    public func rangeQuery(query: String, start: Date, end: Date, step: Duration) async throws -> [Series] {
        let stepSeconds = Self.seconds(step)
        guard stepSeconds > 0 else {
            throw PrometheusClientError(code: .invalidArgument, message: "the step must be positive, not \(step)")
        }
        guard end >= start else {
            throw PrometheusClientError(code: .invalidArgument, message: "the range ends before it starts")
        }
        return try await get(
            "/api/v1/query_range",
            parameters: [
                ("query", query),
                ("start", Self.format(start.timeIntervalSince1970)),
                ("end", Self.format(end.timeIntervalSince1970)),
                ("step", Self.format(stepSeconds)),
            ],
            query: query
        )
    }

    /// Runs an instant query (`GET /api/v1/query`) at `time` (default: Prometheus' now). An instant
    /// vector gives one series per element with one sample each, a scalar one series without
    /// labels, a range vector (`metric[5m]`) its series.
    /// - Throws: `PrometheusClientError` (`.unsupportedResult` for a string result).
    public func instantQuery(query: String, time: Date? = nil) async throws -> [Series] {
        var parameters = [("query", query)]
        if let time { parameters.append(("time", Self.format(time.timeIntervalSince1970))) }
        return try await get("/api/v1/query", parameters: parameters, query: query)
    }

    private func get(_ path: String, parameters: [(String, String)], query: String) async throws -> [Series] {
        let timeoutSeconds = Self.seconds(configuration.timeout)
        let all = parameters + [("timeout", Self.format(timeoutSeconds))]
        let url =
            configuration.baseURL + path + "?"
            + all.map { "\(Self.percentEncoded($0.0))=\(Self.percentEncoded($0.1))" }.joined(separator: "&")
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        request.headers.add(name: "Accept", value: "application/json")
        for (name, value) in configuration.headers { request.headers.add(name: name, value: value) }

        let what = "\(path) for '\(Self.shortened(query))'"
        let status: Int
        let body: Data
        do {
            let deadline = NIODeadline.now() + .nanoseconds(Int64(timeoutSeconds * 1e9))
            let response = try await http.execute(request, deadline: deadline, logger: logger)
            status = Int(response.status.code)
            body = Data((try await response.body.collect(upTo: Self.maximumBody)).readableBytesView)
        } catch let error as HTTPClientError
            where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout
        {
            throw PrometheusClientError(
                code: .timeout,
                message: "Prometheus at \(configuration.baseURL) did not answer \(what) within \(configuration.timeout)"
            )
        } catch let error as NIOTooManyBytesError {
            throw PrometheusClientError(
                code: .invalidResponse,
                message: "the answer to \(what) is larger than \(Self.maximumBody) bytes: \(error)"
            )
        } catch {
            throw PrometheusClientError(
                code: .transport,
                message: "cannot reach Prometheus at \(configuration.baseURL) for \(what): \(error)"
            )
        }
        return try Self.decode(body, status: status, what: what)
    }

    /// The largest answer read (64 MiB): a range query for a bake period is far smaller.
    static let maximumBody = 64 * 1024 * 1024

    /// Decodes an API answer: the series of a success, or the error it reports.
    static func decode(_ body: Data, status: Int, what: String) throws -> [Series] {
        let envelope: Envelope
        do {
            envelope = try JSONDecoder().decode(Envelope.self, from: body)
        } catch {
            // Not the API's JSON: a proxy's error page, or a broken answer.
            let text = String(decoding: body.prefix(300), as: UTF8.self)
            if !(200..<300).contains(status) {
                throw PrometheusClientError(
                    code: .httpStatus,
                    message: "Prometheus answered HTTP \(status) to \(what): \(text)",
                    status: status
                )
            }
            throw PrometheusClientError(
                code: .invalidResponse,
                message: "cannot decode the answer to \(what): \(error)",
                status: status
            )
        }
        guard envelope.status == "success", (200..<300).contains(status) else {
            let errorType = envelope.errorType ?? "unknown"
            let detail = envelope.error ?? "no error message"
            throw PrometheusClientError(
                code: errorType == "timeout" ? .timeout : .queryFailed,
                message: "Prometheus rejected \(what) (HTTP \(status), \(errorType)): \(detail)",
                status: status,
                errorType: envelope.errorType
            )
        }
        guard let data = envelope.data else {
            throw PrometheusClientError(
                code: .invalidResponse,
                message: "the answer to \(what) has no data",
                status: status
            )
        }
        switch data.resultType {
        case "matrix", "vector":
            let series = try JSONDecoder().decode(ResultArray.self, from: body).data.result
            return series.map { element in
                Series(
                    metric: element.metric ?? [:],
                    values: element.values ?? element.value.map { [$0] } ?? []
                )
            }
        case "scalar":
            let sample = try JSONDecoder().decode(ScalarResult.self, from: body).data.result
            return [Series(metric: [:], values: [sample])]
        default:
            throw PrometheusClientError(
                code: .unsupportedResult,
                message: "the answer to \(what) is a \(data.resultType), not series",
                status: status
            )
        }
    }

    private struct Envelope: Decodable {
        struct Data: Decodable {
            var resultType: String
        }
        var status: String
        var data: Data?
        var errorType: String?
        var error: String?
    }

    private struct ResultArray: Decodable {
        struct Data: Decodable {
            var result: [Element]
        }
        struct Element: Decodable {
            var metric: [String: String]?
            var values: [Sample]?
            var value: Sample?
        }
        var data: Data
    }

    private struct ScalarResult: Decodable {
        struct Data: Decodable {
            var result: Sample
        }
        var data: Data
    }

    private static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// A time or a duration in seconds as the API reads it (a decimal number; Prometheus keeps
    /// milliseconds).
    private static func format(_ value: Double) -> String {
        String(format: "%.3f", value)
    }

    /// Percent-encodes everything but RFC 3986's unreserved characters; in particular `+`, which a
    /// Go server would read as a space in a query string.
    static func percentEncoded(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let digits = Array("0123456789ABCDEF".unicodeScalars)
                result.unicodeScalars.append("%")
                result.unicodeScalars.append(digits[Int(byte >> 4)])
                result.unicodeScalars.append(digits[Int(byte & 0x0F)])
            }
        }
        return result
    }

    private static func shortened(_ query: String) -> String {
        query.count > 120 ? String(query.prefix(117)) + "..." : query
    }
}

extension PrometheusClient.Sample: Decodable {
    /// Decodes the API's `[1435781430.781, "1.5"]`.
    public init(from decoder: any Decoder) throws {
        var container = try decoder.unkeyedContainer()
        let timestamp = try container.decode(Double.self)
        let text = try container.decode(String.self)
        guard let value = Self.parse(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not a sample value")
        }
        self.init(timestamp: timestamp, value: value)
    }

    /// Prometheus writes values as Go's `strconv.FormatFloat`: decimals, exponents, `NaN`, `+Inf`, `-Inf`.
    static func parse(_ text: String) -> Double? {
        switch text {
        case "NaN": .nan
        case "+Inf", "Inf": .infinity
        case "-Inf": -.infinity
        default: Double(text)
        }
    }
}

/// An error from the Prometheus client, naming the server, the query and what went wrong.
public struct PrometheusClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable error code.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case invalidArgument, transport, timeout, httpStatus, queryFailed, invalidResponse, unsupportedResult
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }
        /// The call's arguments are unusable (a non-positive step, a reversed range).
        public static let invalidArgument = Code(.invalidArgument)
        /// Prometheus could not be reached.
        public static let transport = Code(.transport)
        /// No answer within the configured timeout, or Prometheus timed the query out (`errorType` `timeout`).
        public static let timeout = Code(.timeout)
        /// An error status without the API's JSON (a proxy, a wrong URL).
        public static let httpStatus = Code(.httpStatus)
        /// Prometheus answered `"status": "error"`: `errorType` and the message say why (`bad_data`
        /// for a PromQL syntax error, `execution` for an evaluation error, …).
        public static let queryFailed = Code(.queryFailed)
        /// The answer is not the API's JSON.
        public static let invalidResponse = Code(.invalidResponse)
        /// The result is a string, not series.
        public static let unsupportedResult = Code(.unsupportedResult)
        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// A message naming the server or query and the cause.
    public var message: String
    /// The HTTP status, when Prometheus answered.
    public var status: Int?
    /// The API's `errorType` (`bad_data`, `execution`, `timeout`, `canceled`, `internal`,
    /// `unavailable`, `not_found`), when it gave one.
    public var errorType: String?

    /// Creates an error.
    public init(code: Code, message: String, status: Int? = nil, errorType: String? = nil) {
        self.code = code
        self.message = message
        self.status = status
        self.errorType = errorType
    }

    public var description: String { message }
}
