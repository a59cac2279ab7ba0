/// One metric of a CVSS version: its vector abbreviation, its FIRST JSON schema property name and
/// its allowed values (vector code → JSON schema value).
struct CVSSMetricDefinition: Sendable {
    /// The abbreviation used in vector strings (`AV`, `Au`, `MSI`).
    let abbreviation: String
    /// The property name in FIRST's JSON schema (`attackVector`).
    let jsonName: String
    /// Allowed value codes and their JSON schema values, in the specification's order.
    let values: [(code: String, json: String)]
    /// Whether every vector must carry the metric (the base metrics).
    let mandatory: Bool

    init(_ abbreviation: String, _ jsonName: String, _ values: [(String, String)], mandatory: Bool = false) {
        self.abbreviation = abbreviation
        self.jsonName = jsonName
        self.values = values.map { (code: $0.0, json: $0.1) }
        self.mandatory = mandatory
    }

    /// The JSON schema value for a vector code.
    func json(for code: String) -> String? {
        values.first { $0.code == code }?.json
    }

    /// The vector code for a JSON schema value.
    func code(forJSON json: String) -> String? {
        values.first { $0.json == json }?.code
    }
}

/// Splits a vector body (`AV:N/AC:L/…`, after any `CVSS:x.y/` prefix) into metrics and validates
/// names, values, duplicates and the mandatory base metrics.
struct CVSSVectorParser: Sendable {
    /// The version's metrics, in the specification's order.
    let definitions: [CVSSMetricDefinition]
    /// The version, for messages.
    let version: CVSSVersion
    private let byAbbreviation: [String: Int]

    init(version: CVSSVersion, definitions: [CVSSMetricDefinition]) {
        self.version = version
        self.definitions = definitions
        var index: [String: Int] = [:]
        for (offset, definition) in definitions.enumerated() {
            index[definition.abbreviation] = offset
        }
        self.byAbbreviation = index
    }

    /// The definition of a metric, if the version has it.
    func definition(_ abbreviation: String) -> CVSSMetricDefinition? {
        byAbbreviation[abbreviation].map { definitions[$0] }
    }

    /// Parses the metrics of `body` into abbreviation → value code.
    func parse(
        _ body: Substring,
        vector: String,
        source: String,
        record: String?
    ) throws(SecurityAdvisoriesError) -> [String: String] {
        func failure(_ field: String?, _ message: String) -> SecurityAdvisoriesError {
            SecurityAdvisoriesError(
                code: .invalidVector,
                source: source,
                record: record,
                field: field,
                message: message
            )
        }
        var metrics: [String: String] = [:]
        for component in body.split(separator: "/", omittingEmptySubsequences: false) {
            if component.isEmpty {
                throw failure(nil, "empty metric in CVSS \(version) vector '\(vector)' (stray '/')")
            }
            let parts = component.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty else {
                let name = parts.first.map(String.init) ?? String(component)
                throw failure(name, "malformed metric '\(component)' (expected NAME:VALUE)")
            }
            let name = String(parts[0])
            let value = String(parts[1])
            guard let definition = definition(name) else {
                var message = "unknown metric '\(name)' for CVSS \(version)"
                if version == .v2_0 {
                    message += " (CVSS v3 and v4 vectors start with 'CVSS:3.1/' or 'CVSS:4.0/')"
                }
                throw failure(name, message)
            }
            guard definition.json(for: value) != nil else {
                throw failure(name, "unknown value '\(value)' for \(name)")
            }
            guard metrics[name] == nil else {
                throw failure(name, "duplicate metric '\(name)'")
            }
            metrics[name] = value
        }
        let missing = definitions.filter { $0.mandatory && metrics[$0.abbreviation] == nil }.map(\.abbreviation)
        if let first = missing.first {
            let list = missing.joined(separator: ", ")
            throw failure(
                first,
                "missing mandatory metric\(missing.count > 1 ? "s" : "") \(list) in CVSS \(version) vector"
            )
        }
        return metrics
    }
}
