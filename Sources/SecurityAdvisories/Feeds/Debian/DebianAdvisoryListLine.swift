import Foundation

/// One line of a Debian DSA/DLA list, parsed from its bytes.
struct DebianAdvisoryListLine {
    /// A problem in one line (the reader adds source, record and line number).
    struct Failure: Error {
        var code: SecurityAdvisoriesError.Code
        var field: String?
        var message: String
    }

    /// `[29 Mar 2023] DSA-5380-1 xorg-server - security update`.
    struct Header {
        var date: Date
        var id: String
        var text: String
    }

    /// An indented line.
    enum Detail {
        /// `{CVE-2023-1393 CVE-2023-1394}`.
        case cves([String])
        /// `NOTE: …`.
        case note(String)
        /// `[bullseye] - xorg-server 2:1.20.11-1+deb11u6`; the package's release is a placeholder.
        case release(codename: String, package: AffectedPackage)
    }

    /// What a line is.
    enum Kind {
        case blank
        case header(Header)
        case detail(Detail)
    }

    let buffer: UnsafeBufferPointer<UInt8>
    let start: Int
    let end: Int

    private static let months: [String: Int] = [
        "Jan": 1, "Feb": 2, "Mar": 3, "Apr": 4, "May": 5, "Jun": 6,
        "Jul": 7, "Aug": 8, "Sep": 9, "Oct": 10, "Nov": 11, "Dec": 12,
    ]

    func parse() throws(Failure) -> Kind {
        var upper = end
        while upper > start, Self.isSpace(buffer[upper - 1]) { upper -= 1 }
        guard upper > start else { return .blank }
        if !Self.isSpace(buffer[start]) {
            guard buffer[start] == UInt8(ascii: "[") else {
                throw Failure(
                    code: .malformedDocument,
                    field: nil,
                    message: "expected an advisory header '[dd Mon yyyy] ID …'"
                )
            }
            return .header(try header(upTo: upper))
        }
        var lower = start
        while lower < upper, Self.isSpace(buffer[lower]) { lower += 1 }
        switch buffer[lower] {
        case UInt8(ascii: "{"):
            guard buffer[upper - 1] == UInt8(ascii: "}") else {
                throw Failure(code: .malformedDocument, field: "cves", message: "a CVE list must end with '}'")
            }
            return .detail(.cves(text(lower + 1, upper - 1).split(separator: " ").map(String.init)))
        case UInt8(ascii: "["):
            return .detail(try release(from: lower, upTo: upper))
        default:
            let line = text(lower, upper)
            guard line.hasPrefix("NOTE:") else {
                throw Failure(
                    code: .malformedDocument,
                    field: nil,
                    message: "expected '{CVE…}', '[release] - package version' or 'NOTE:', found '\(line)'"
                )
            }
            return .detail(.note(String(line.dropFirst(5).drop { $0 == " " })))
        }
    }

    private func header(upTo upper: Int) throws(Failure) -> Header {
        guard let close = index(of: UInt8(ascii: "]"), from: start, upTo: upper) else {
            throw Failure(code: .malformedDocument, field: "date", message: "the header date has no closing ']'")
        }
        let dateText = text(start + 1, close)
        let parts = dateText.split(separator: " ")
        guard parts.count == 3, let day = Int(parts[0]), let month = Self.months[String(parts[1])],
            let year = Int(parts[2]), let date = FeedDate.utcMidnight(year: year, month: month, day: day)
        else {
            throw Failure(code: .invalidValue, field: "date", message: "'\(dateText)' is not a date like '29 Mar 2023'")
        }
        let rest = text(close + 1, upper).drop { $0 == " " || $0 == "\t" }
        let id = rest.prefix { $0 != " " && $0 != "\t" }
        guard id.contains("-"), id.first?.isLetter == true else {
            throw Failure(code: .invalidValue, field: "id", message: "'\(id)' is not an advisory id like DSA-5380-1")
        }
        let summary = rest.dropFirst(id.count).split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
        return Header(date: date, id: String(id), text: summary)
    }

    private func release(from lower: Int, upTo upper: Int) throws(Failure) -> Detail {
        guard let close = index(of: UInt8(ascii: "]"), from: lower, upTo: upper) else {
            throw Failure(code: .malformedDocument, field: "release", message: "the release has no closing ']'")
        }
        let codename = text(lower + 1, close).trimmingCharacters(in: .whitespaces)
        var words = text(close + 1, upper).split(whereSeparator: { $0 == " " || $0 == "\t" })[...]
        guard !codename.isEmpty, words.popFirst() == "-", let name = words.popFirst(), let state = words.popFirst()
        else {
            throw Failure(
                code: .malformedDocument,
                field: "release",
                message: "expected '[release] - package version', found '\(text(lower, upper))'"
            )
        }
        let extras = words.joined(separator: " ")
        let remark = extras.hasPrefix("(") && extras.hasSuffix(")") ? String(extras.dropFirst().dropLast()) : extras
        var package = AffectedPackage(
            release: EcosystemRelease(.debian, codename),
            name: String(name),
            nameKind: .source,
            status: .affected
        )
        if !remark.isEmpty {
            let severities = remark.split(separator: ";").map { Severity(distributionWord: String($0)) }
            package.severity = severities.filter { $0 != .unknown }.max()
        }
        switch state {
        case "<not-affected>":
            package.status = .notAffected
            package.statusNote = remark.isEmpty ? nil : remark
        case "<end-of-life>": package.status = .endOfLife
        case "<unfixed>": package.status = .affected
        case "<no-dsa>", "<postponed>":
            package.statusNote = state.dropFirst().dropLast() + (remark.isEmpty ? "" : ": \(remark)")
        case "<ignored>":
            package.status = .willNotFix
            package.statusNote = remark.isEmpty ? nil : remark
        default:
            guard !state.hasPrefix("<") else {
                throw Failure(code: .invalidValue, field: "release", message: "unknown state '\(state)'")
            }
            package.status = .fixed
            package.fixedVersion = String(state)
        }
        return .release(codename: codename, package: package)
    }

    private func index(of byte: UInt8, from lower: Int, upTo upper: Int) -> Int? {
        var index = lower
        while index < upper {
            if buffer[index] == byte { return index }
            index += 1
        }
        return nil
    }

    private func text(_ lower: Int, _ upper: Int) -> String {
        guard lower < upper else { return "" }
        return String(decoding: UnsafeBufferPointer(rebasing: buffer[lower..<upper]), as: UTF8.self)
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r")
    }
}
