import Foundation
import Yams

/// An Alpine secdb file reduced to what the reader needs, from either JSON or YAML, with the
/// structural problems of each package record kept for the invalid-record policy.
struct AlpineSecDBDocument: Sendable {
    /// One `packages[]` record.
    struct Package: Sendable {
        /// `packages[3]`, for error fields.
        var path: String
        /// The 1-based line (YAML only).
        var line: Int?
        /// `pkg.name` (the origin package), if readable.
        var name: String?
        /// `pkg.secfixes`: fixed version → entries (`CVE-2019-1 XSA-2 (comment)`), in file order.
        var secfixes: [(version: String, entries: [String])]
        /// The first structural problem found in this record.
        var problem: SecurityAdvisoriesError?
    }

    /// `distroversion` (`v3.10`).
    var distroVersion: String
    /// `reponame` (`main`, `community`).
    var repositoryName: String?
    /// The package records.
    var packages: [Package]

    /// Reads the JSON form (secdb.alpinelinux.org).
    init(json data: Data, source: String) throws(SecurityAdvisoriesError) {
        let root = JSONCursor(root: try JSONTree.parse(data, source: source), source: source)
        try root.requireObject()
        distroVersion = try root["distroversion"].string()
        repositoryName = try root["reponame"].optionalString()
        packages = []
        for (index, record) in try root["packages"].elements().enumerated() {
            var package = Package(path: "packages[\(index)]", secfixes: [])
            do throws(SecurityAdvisoriesError) {
                try record.requireObject()
                let name = try record["pkg"]["name"].string()
                package.name = name
                let secfixes = record["pkg"]["secfixes"].inRecord(name)
                for (version, entries) in try secfixes.members() {
                    package.secfixes.append((version, try entries.strings()))
                }
            } catch {
                package.problem = error
            }
            packages.append(package)
        }
    }

    /// Reads the YAML form (the `alpine-secdb` repository).
    init(yaml data: Data, source: String) throws(SecurityAdvisoriesError) {
        let text = String(decoding: data, as: UTF8.self)
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw SecurityAdvisoriesError(code: .malformedDocument, source: source, message: "not valid YAML: \(error)")
        }
        func problem(
            _ code: SecurityAdvisoriesError.Code,
            _ record: String?,
            _ field: String,
            _ line: Int?,
            _ message: String
        )
            -> SecurityAdvisoriesError
        {
            SecurityAdvisoriesError(
                code: code,
                source: source,
                record: record,
                field: field,
                line: line,
                message: message
            )
        }
        guard let root = node?.mapping else {
            throw problem(.malformedDocument, nil, "", node?.mark?.line, "the document is not a mapping")
        }
        guard let version = root["distroversion"]?.scalar?.string else {
            throw problem(.missingField, nil, "distroversion", root.mark?.line, "required field is missing")
        }
        distroVersion = version
        repositoryName = root["reponame"]?.scalar?.string
        packages = []
        guard let records = root["packages"] else { return }
        guard let sequence = records.sequence else {
            throw problem(.invalidValue, nil, "packages", records.mark?.line, "expected a sequence")
        }
        for (index, record) in sequence.enumerated() {
            let path = "packages[\(index)]"
            var package = Package(path: path, line: record.mark?.line, secfixes: [])
            defer { packages.append(package) }
            guard let name = record.mapping?["pkg"]?.mapping?["name"]?.scalar?.string else {
                package.problem = problem(
                    .missingField,
                    nil,
                    path + ".pkg.name",
                    record.mark?.line,
                    "required field is missing"
                )
                continue
            }
            package.name = name
            guard let secfixesNode = record["pkg"]?["secfixes"] else { continue }
            if let scalar = secfixesNode.scalar, ["", "~", "null", "Null", "NULL"].contains(scalar.string) { continue }
            guard let secfixes = secfixesNode.mapping else {
                let line = secfixesNode.mark?.line
                package.problem = problem(.invalidValue, name, path + ".pkg.secfixes", line, "expected a mapping")
                continue
            }
            for (key, value) in secfixes {
                // The scalar's text as written: `1.10-r0` must not become the number 1.1.
                let version = key.scalar?.string ?? ""
                let field = "\(path).pkg.secfixes.\(version)"
                guard let items = value.sequence else {
                    package.problem = problem(
                        .invalidValue,
                        name,
                        field,
                        value.mark?.line,
                        "expected a sequence of ids"
                    )
                    break
                }
                var entries: [String] = []
                for (itemIndex, item) in items.enumerated() {
                    guard let entry = item.scalar?.string else {
                        let line = item.mark?.line
                        package.problem = problem(
                            .invalidValue,
                            name,
                            "\(field)[\(itemIndex)]",
                            line,
                            "expected a string"
                        )
                        break
                    }
                    entries.append(entry)
                }
                if package.problem != nil { break }
                package.secfixes.append((version, entries))
            }
        }
    }
}
