extension CVSSScore: Codable {
    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Encodes the FIRST JSON schema object: `version`, `vectorString`, the metrics present in the
    /// vector with the schema's names and values, then the scores and upper-case severities.
    /// CVSS v2's schema has no severities, so none are written for v2.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(version.rawValue, forKey: Key("version"))
        try container.encode(vectorString, forKey: Key("vectorString"))
        for definition in CVSS.parser(for: version).definitions {
            if let code = metrics[definition.abbreviation], let value = definition.json(for: code) {
                try container.encode(value, forKey: Key(definition.jsonName))
            }
        }
        let withSeverity = version != .v2_0
        func encode(_ score: Double?, _ severity: Severity?, _ name: String) throws {
            guard let score else { return }
            try container.encode(score, forKey: Key("\(name)Score"))
            if withSeverity, let severity {
                try container.encode(severity.rawValue.uppercased(), forKey: Key("\(name)Severity"))
            }
        }
        try encode(baseScore, baseSeverity, "base")
        try encode(threatScore, threatSeverity, "threat")
        try encode(temporalScore, temporalSeverity, "temporal")
        try encode(environmentalScore, environmentalSeverity, "environmental")
    }

    /// Decodes a FIRST JSON schema object by parsing its `vectorString` (the scores are
    /// recomputed); a `version` that disagrees with the vector's prefix is an error.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        let vector = try container.decode(String.self, forKey: Key("vectorString"))
        do {
            self = try CVSS.parse(vector)
        } catch {
            throw DecodingError.dataCorruptedError(
                forKey: Key("vectorString"),
                in: container,
                debugDescription: error.description
            )
        }
        if let version = try container.decodeIfPresent(String.self, forKey: Key("version")),
            version != self.version.rawValue, !(version == "4" && self.version == .v4_0)
        {
            throw DecodingError.dataCorruptedError(
                forKey: Key("version"),
                in: container,
                debugDescription: "version \(version) does not match vector \(vector)"
            )
        }
    }
}
