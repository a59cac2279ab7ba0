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

    /// Most rows an export holds; a longer list is cut there and says so in its last line.
    static let maxRows = 100_000
}
