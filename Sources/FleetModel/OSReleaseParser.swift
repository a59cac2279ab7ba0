/// Reads `/etc/os-release` (or `/usr/lib/os-release`) into an ``OSRelease``.
///
/// The syntax is the shell-compatible subset that os-release(5) defines: one `KEY=value` assignment
/// per line, blank lines and lines starting with `#` ignored; a value may be unquoted, `"double
/// quoted"` (where `\"`, `\\`, `` \` `` and `\$` are escapes) or `'single quoted'` (taken literally),
/// and quoted and unquoted parts may follow one another. Per os-release(5), a missing `ID` means
/// `linux` and a missing `PRETTY_NAME` means `Linux`.
public struct OSReleaseParser: Sendable {
    /// The name used for the input in errors (a file path or a label).
    public var sourceName: String

    /// Creates a parser.
    ///
    /// - Parameter sourceName: The name used for the input in errors, such as the file's path.
    public init(sourceName: String = "os-release") {
        self.sourceName = sourceName
    }

    /// Parses the file's text into an ``OSRelease``.
    ///
    /// - Throws: ``FleetModelError`` naming ``sourceName`` and the line of a malformed assignment.
    public func parse(_ text: String) throws(FleetModelError) -> OSRelease {
        let fields = try parseFields(text)
        let id = fields["ID"].flatMap { $0.isEmpty ? nil : $0 } ?? "linux"
        return OSRelease(
            id: id,
            versionID: fields["VERSION_ID"] ?? "",
            versionCodename: fields["VERSION_CODENAME"] ?? "",
            prettyName: fields["PRETTY_NAME"] ?? "Linux",
            idLike: (fields["ID_LIKE"] ?? "").split(separator: " ").map(String.init)
        )
    }

    /// Parses the file's text into its assignments, keyed by variable name; a later assignment wins.
    ///
    /// - Throws: ``FleetModelError`` naming ``sourceName`` and the line of a malformed assignment.
    public func parseFields(_ text: String) throws(FleetModelError) -> [String: String] {
        var fields: [String: String] = [:]
        var lineNumber = 0
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            lineNumber += 1
            let content = line.drop(while: { $0 == " " || $0 == "\t" })
            if content.isEmpty || content.first == "#" { continue }
            guard let equals = content.firstIndex(of: "=") else {
                throw error("expected KEY=value, found '\(content.prefix(60))'", lineNumber)
            }
            let key = content[..<equals]
            guard let first = key.first, first == "_" || (first.isASCII && first.isLetter),
                key.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) })
            else {
                throw error("'\(key)' is not a variable name", lineNumber)
            }
            fields[String(key)] = try value(content[content.index(after: equals)...], lineNumber)
        }
        return fields
    }

    /// Decodes the right-hand side of an assignment.
    private func value(_ raw: Substring, _ lineNumber: Int) throws(FleetModelError) -> String {
        var result = ""
        var index = raw.startIndex
        while index < raw.endIndex {
            let character = raw[index]
            switch character {
            case "\"":
                index = raw.index(after: index)
                var closed = false
                while index < raw.endIndex {
                    let inner = raw[index]
                    if inner == "\"" {
                        closed = true
                        break
                    }
                    if inner == "\\", raw.index(after: index) < raw.endIndex {
                        let next = raw[raw.index(after: index)]
                        if "\"\\`$".contains(next) {
                            result.append(next)
                            index = raw.index(index, offsetBy: 2)
                            continue
                        }
                    }
                    result.append(inner)
                    index = raw.index(after: index)
                }
                guard closed else { throw error("unterminated double quote", lineNumber) }
                index = raw.index(after: index)
            case "'":
                let rest = raw[raw.index(after: index)...]
                guard let close = rest.firstIndex(of: "'") else {
                    throw error("unterminated single quote", lineNumber)
                }
                result += rest[..<close]
                index = raw.index(after: close)
            case "\\":
                let next = raw.index(after: index)
                if next < raw.endIndex {
                    result.append(raw[next])
                    index = raw.index(after: next)
                } else {
                    index = next
                }
            case " ", "\t":
                // Unquoted whitespace ends the value; only a comment may follow.
                let rest = raw[index...].drop(while: { $0 == " " || $0 == "\t" })
                guard rest.isEmpty || rest.first == "#" else {
                    throw error("unquoted space in value; quote the value", lineNumber)
                }
                return result
            default:
                result.append(character)
                index = raw.index(after: index)
            }
        }
        return result
    }

    private func error(_ message: String, _ line: Int) -> FleetModelError {
        FleetModelError(code: .malformedRecord, message: message, source: sourceName, line: line)
    }
}
