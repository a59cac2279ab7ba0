import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// A list exported as CSV (RFC 4180: CRLF line ends, fields with a comma, quote or line break
/// quoted, quotes doubled). A field that a spreadsheet would run as a formula (starting with `=`,
/// `+`, `-`, `@`, tab or carriage return) is prefixed with `'` (OWASP's CSV injection advice);
/// numbers are written by the exporter as plain digits and pass unchanged.
struct CSVTable {
    private(set) var text: String

    init(header: [String]) {
        text = ""
        append(header)
    }

    mutating func append(_ fields: [String]) {
        text += fields.map(Self.field).joined(separator: ",") + "\r\n"
    }

    static func field(_ value: String) -> String {
        var value = value
        if let first = value.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first),
            Double(value) == nil
        {
            value = "'" + value
        }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The download: `text/csv`, named `filename`, not cached.
    func response(filename: String) -> Response {
        Response(
            status: .ok,
            headers: [
                .contentType: "text/csv; charset=utf-8",
                .contentDisposition: "attachment; filename=\"\(filename)\"",
                .cacheControl: "no-store",
                .xContentTypeOptions: "nosniff",
            ],
            body: .init(byteBuffer: ByteBuffer(string: text))
        )
    }

    /// Most rows an export holds.
    static let maxRows = 100_000

    /// Appends the rows of a list read a page at a time (`fetch(offset, limit)`), until a page
    /// comes back short or ``maxRows`` rows are in.
    mutating func appendPages<Item>(
        pageSize: Int = 1000,
        fetch: (_ offset: Int, _ limit: Int) async throws -> [Item],
        row: (Item) throws -> [String]
    ) async throws {
        var written = 0
        while written < Self.maxRows {
            let items = try await fetch(written, pageSize)
            for item in items.prefix(Self.maxRows - written) { append(try row(item)) }
            written += items.count
            guard items.count == pageSize else { return }
        }
    }
}
