/// The one error type thrown by the `PackageVersions` module.
///
/// Every error names the offending input, the byte offset (0-based, in UTF-8 code units) where the
/// problem was found, and a human-readable reason. Codes are open-ended: new ones can be added
/// without breaking clients that switch over the ones they know.
public struct PackageVersionsError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A machine-readable classification of a ``PackageVersionsError``.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case invalidDebianVersion
            case invalidRPMVersion
            case invalidAlpineVersion
            case invalidSemanticVersion
            case invalidNPMRange
            case invalidVersRange
            case invalidAffectedRange
            case invalidPackageURL
            case unknownScheme
        }

        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// The input is not a valid Debian version (deb-version(7), as `dpkg` validates it).
        public static let invalidDebianVersion = Code(.invalidDebianVersion)
        /// The input is not a usable RPM `[epoch:]version[-release]` string.
        public static let invalidRPMVersion = Code(.invalidRPMVersion)
        /// The input is not a valid Alpine (apk-tools) version.
        public static let invalidAlpineVersion = Code(.invalidAlpineVersion)
        /// The input is not a valid SemVer 2.0.0 version.
        public static let invalidSemanticVersion = Code(.invalidSemanticVersion)
        /// The input is not a valid npm (node-semver) range.
        public static let invalidNPMRange = Code(.invalidNPMRange)
        /// The input is not a valid `vers:` range.
        public static let invalidVersRange = Code(.invalidVersRange)
        /// An OSV affected range is malformed (unknown event, bad version, …).
        public static let invalidAffectedRange = Code(.invalidAffectedRange)
        /// The input is not a valid Package URL.
        public static let invalidPackageURL = Code(.invalidPackageURL)
        /// The versioning scheme name is not one this module knows.
        public static let unknownScheme = Code(.unknownScheme)

        /// A stable, lower-camel-case name for the code.
        public var description: String {
            switch value {
            case .invalidDebianVersion: "invalidDebianVersion"
            case .invalidRPMVersion: "invalidRPMVersion"
            case .invalidAlpineVersion: "invalidAlpineVersion"
            case .invalidSemanticVersion: "invalidSemanticVersion"
            case .invalidNPMRange: "invalidNPMRange"
            case .invalidVersRange: "invalidVersRange"
            case .invalidAffectedRange: "invalidAffectedRange"
            case .invalidPackageURL: "invalidPackageURL"
            case .unknownScheme: "unknownScheme"
            }
        }
    }

    /// What kind of problem this is.
    public let code: Code
    /// The complete input that was rejected.
    public let input: String
    /// The 0-based UTF-8 offset in ``input`` where the problem was detected, when it has one.
    public let position: Int?
    /// Why the input was rejected, in words (for example `revision number is empty`).
    public let reason: String

    /// Creates an error.
    public init(code: Code, input: String, position: Int?, reason: String) {
        self.code = code
        self.input = input
        self.position = position
        self.reason = reason
    }

    /// `'<input>': <reason> (at offset N)`.
    public var description: String {
        var text = "'\(input)': \(reason)"
        if let position { text += " (at offset \(position))" }
        return text
    }
}
