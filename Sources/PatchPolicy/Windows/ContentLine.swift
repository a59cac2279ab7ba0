/// One unfolded iCalendar content line: `NAME;PARAM=VALUE,VALUE:value` (RFC 5545 section 3.1).
public struct ContentLine: Sendable, Hashable {
    /// The property or keyword name, upper-cased.
    public var name: String
    /// Parameters in order; names upper-cased, values unquoted.
    public var parameters: [(name: String, values: [String])]
    /// The raw value (escapes not yet removed).
    public var value: String
    /// The 1-based physical line the content line starts on.
    public var line: Int

    /// Creates a content line.
    public init(name: String, parameters: [(name: String, values: [String])] = [], value: String, line: Int) {
        self.name = name
        self.parameters = parameters
        self.value = value
        self.line = line
    }

    /// The first value of a parameter.
    public func parameter(_ name: String) -> String? {
        parameters.first { $0.name == name }?.values.first
    }

    public static func == (lhs: ContentLine, rhs: ContentLine) -> Bool {
        lhs.name == rhs.name && lhs.value == rhs.value && lhs.line == rhs.line
            && lhs.parameters.map(\.name) == rhs.parameters.map(\.name)
            && lhs.parameters.map(\.values) == rhs.parameters.map(\.values)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(value)
        hasher.combine(line)
    }

    /// Unfolds a document (CRLF or LF; a line starting with a space or tab continues the previous
    /// one) and splits each content line into name, parameters and value.
    public static func parseAll(_ text: String, source: String) throws(PatchPolicyError) -> [ContentLine] {
        var logical: [(text: Substring, line: Int)] = []
        var current = ""
        var currentLine = 0
        var lineNumber = 0
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            lineNumber += 1
            let physical = raw.hasSuffix("\r") ? raw.dropLast() : raw
            if let first = physical.first, first == " " || first == "\t" {
                guard currentLine > 0 else {
                    throw PatchPolicyError(
                        code: .invalidCalendar,
                        source: source,
                        line: lineNumber,
                        message: "continuation line (starting with a space) before any content line"
                    )
                }
                current += physical.dropFirst()
                continue
            }
            if currentLine > 0 { logical.append((Substring(current), currentLine)) }
            current = String(physical)
            currentLine = physical.isEmpty ? 0 : lineNumber
        }
        if currentLine > 0 { logical.append((Substring(current), currentLine)) }
        var result: [ContentLine] = []
        result.reserveCapacity(logical.count)
        for (text, line) in logical {
            result.append(try parseOne(text, line: line, source: source))
        }
        return result
    }

    private static func isNameCharacter(_ c: Character) -> Bool {
        c == "-" || (c.isASCII && (c.isLetter || c.isNumber))
    }

    /// Parses one unfolded content line.
    static func parseOne(_ text: Substring, line: Int, source: String) throws(PatchPolicyError) -> ContentLine {
        func fail(_ column: Int, _ message: String, field: String? = nil) -> PatchPolicyError {
            PatchPolicyError(
                code: .invalidCalendar,
                source: source,
                line: line,
                column: column,
                field: field,
                message: message
            )
        }
        let chars = Array(text)
        var index = 0
        while index < chars.count && isNameCharacter(chars[index]) { index += 1 }
        guard index > 0 else { return try failMissingName(chars, fail) }
        let name = String(chars[0..<index]).uppercased()
        var parameters: [(name: String, values: [String])] = []
        while index < chars.count && chars[index] == ";" {
            index += 1
            let nameStart = index
            while index < chars.count && isNameCharacter(chars[index]) { index += 1 }
            guard index > nameStart, index < chars.count, chars[index] == "=" else {
                throw fail(index + 1, "expected PARAM=VALUE after ';'", field: name)
            }
            let parameterName = String(chars[nameStart..<index]).uppercased()
            index += 1
            var values: [String] = []
            while true {
                if index < chars.count && chars[index] == "\"" {
                    let valueStart = index + 1
                    index += 1
                    while index < chars.count && chars[index] != "\"" { index += 1 }
                    guard index < chars.count else {
                        throw fail(valueStart, "unterminated quoted parameter value", field: "\(name).\(parameterName)")
                    }
                    values.append(String(chars[valueStart..<index]))
                    index += 1
                } else {
                    let valueStart = index
                    while index < chars.count && ![";", ":", ",", "\""].contains(chars[index]) { index += 1 }
                    values.append(String(chars[valueStart..<index]))
                }
                if index < chars.count && chars[index] == "," {
                    index += 1
                    continue
                }
                break
            }
            parameters.append((parameterName, values))
        }
        guard index < chars.count, chars[index] == ":" else {
            throw fail(index + 1, "expected ':' between the property name and its value", field: name)
        }
        // RFC 5545 values carry no control characters but HTAB; refusing them keeps every calendar
        // exportable as it was read.
        if let bad = chars[(index + 1)...].firstIndex(where: { character in
            character != "\t" && character.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
        }) {
            throw fail(bad + 1, "control character in the value (only HTAB is allowed)", field: name)
        }
        return ContentLine(name: name, parameters: parameters, value: String(chars[(index + 1)...]), line: line)
    }

    private static func failMissingName(
        _ chars: [Character],
        _ fail: (Int, String, String?) -> PatchPolicyError
    ) throws(PatchPolicyError) -> ContentLine {
        throw fail(1, "expected a property name (letters, digits, '-'), got '\(String(chars.prefix(20)))'", nil)
    }
}
