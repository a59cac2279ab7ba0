/// A shell-style package name pattern: `*` any run, `?` one character, `[abc]`/`[a-z]`/`[!x]` a set.
public struct GlobPattern: Sendable, Hashable, CustomStringConvertible {
    /// The pattern text.
    public let pattern: String
    private let scalars: [Unicode.Scalar]

    /// Creates a pattern; any text is a valid pattern (an unclosed `[` matches itself).
    public init(_ pattern: String) {
        self.pattern = pattern
        self.scalars = Array(pattern.unicodeScalars)
    }

    /// Whether the whole name matches.
    public func matches(_ name: String) -> Bool {
        let text = Array(name.unicodeScalars)
        return Self.match(scalars[...], text[...])
    }

    public var description: String { pattern }

    private static func match(_ pattern: ArraySlice<Unicode.Scalar>, _ text: ArraySlice<Unicode.Scalar>) -> Bool {
        var p = pattern.startIndex
        var t = text.startIndex
        var starP: Int?
        var starT = 0
        while t < text.endIndex {
            if p < pattern.endIndex {
                let c = pattern[p]
                if c == "*" {
                    starP = p
                    starT = t
                    p += 1
                    continue
                }
                if c == "?" {
                    p += 1
                    t += 1
                    continue
                }
                if c == "[", let (matched, next) = matchSet(pattern, from: p, text[t]) {
                    if matched {
                        p = next
                        t += 1
                        continue
                    }
                } else if c == text[t] {
                    p += 1
                    t += 1
                    continue
                }
            }
            guard let star = starP else { return false }
            p = star + 1
            starT += 1
            t = starT
        }
        while p < pattern.endIndex && pattern[p] == "*" { p += 1 }
        return p == pattern.endIndex
    }

    /// Matches a `[...]` set at `start`; nil when the bracket is not closed (then it is literal).
    private static func matchSet(
        _ pattern: ArraySlice<Unicode.Scalar>,
        from start: Int,
        _ character: Unicode.Scalar
    ) -> (Bool, Int)? {
        var i = start + 1
        var negate = false
        if i < pattern.endIndex && (pattern[i] == "!" || pattern[i] == "^") {
            negate = true
            i += 1
        }
        var matched = false
        var first = true
        while i < pattern.endIndex {
            let c = pattern[i]
            if c == "]" && !first { return (matched != negate, i + 1) }
            first = false
            if i + 2 < pattern.endIndex && pattern[i + 1] == "-" && pattern[i + 2] != "]" {
                if c <= character && character <= pattern[i + 2] { matched = true }
                i += 3
            } else {
                if c == character { matched = true }
                i += 1
            }
        }
        return nil
    }
}
