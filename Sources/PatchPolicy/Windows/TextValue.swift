/// RFC 5545 TEXT escaping (`\\`, `\;`, `\,`, `\n`) and line folding for export.
enum TextValue {
    /// Removes TEXT escapes.
    static func unescape(_ text: String) -> String {
        var result = ""
        var escaping = false
        for c in text {
            if escaping {
                result.append(c == "n" || c == "N" ? "\n" : c)
                escaping = false
            } else if c == "\\" {
                escaping = true
            } else {
                result.append(c)
            }
        }
        if escaping { result.append("\\") }
        return result
    }

    /// Adds TEXT escapes.
    static func escape(_ text: String) -> String {
        var result = ""
        for c in text {
            switch c {
            case "\\": result += "\\\\"
            case ";": result += "\\;"
            case ",": result += "\\,"
            case "\n", "\r\n": result += "\\n"
            default: result.append(c)
            }
        }
        return result
    }

    /// Splits a TEXT list on unescaped commas and unescapes each item.
    static func splitList(_ text: String) -> [String] {
        var items: [String] = []
        var current = ""
        var escaping = false
        for c in text {
            if escaping {
                current.append("\\")
                current.append(c)
                escaping = false
            } else if c == "\\" {
                escaping = true
            } else if c == "," {
                items.append(unescape(current))
                current = ""
            } else {
                current.append(c)
            }
        }
        items.append(unescape(current))
        return items
    }

    /// Folds a content line at 75 octets (RFC 5545 section 3.1), never inside a UTF-8 sequence.
    static func fold(_ line: String) -> String {
        var result = ""
        var octets = 0
        for c in line {
            let size = String(c).utf8.count
            if octets + size > 75 {
                result += "\r\n "
                octets = 1
            }
            result.append(c)
            octets += size
        }
        return result + "\r\n"
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    func trimmingSpaces() -> String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice = slice.dropLast() }
        return String(slice)
    }
}
