import Foundation
import Yams

/// Reads one policy file into its entries; errors are collected per entry so one file can report
/// several problems.
struct PolicyReader {
    let file: String
    var tiers: [Located<RiskTier>] = []
    var environments: [Located<DeploymentEnvironment>] = []
    var groups: [Located<HostGroup>] = []
    var services: [Located<FleetService>] = []
    var slaProfiles: [Located<SLAProfile>] = []
    var baselines: [Located<PatchBaseline>] = []
    var exceptions: [Located<PolicyException>] = []
    var holds: [Located<ComplianceHold>] = []
    var references: [PolicyReference] = []
    var errors: [PatchPolicyError] = []

    static let sections = [
        "tiers", "environments", "groups", "services", "sla", "baselines", "exceptions", "holds",
    ]

    init(file: String) {
        self.file = file
    }

    mutating func read(_ text: String) {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else { return }
            root = node
        } catch let error as YamlError {
            errors.append(Self.syntaxError(error, file: file))
            return
        } catch {
            errors.append(PatchPolicyError(code: .invalidPolicy, source: file, message: "\(error)"))
            return
        }
        let top = PolicyNode(node: root, path: "", file: file)
        let mapping: PolicyMapping
        do {
            mapping = try top.mapping(allowed: Self.sections)
        } catch {
            errors.append(error)
            return
        }
        for (key, value) in mapping.entries {
            switch key {
            case "tiers": each(value) { reader, item throws(PatchPolicyError) in try reader.readTier(item) }
            case "environments":
                each(value) { reader, item throws(PatchPolicyError) in try reader.readEnvironment(item) }
            case "groups": each(value) { reader, item throws(PatchPolicyError) in try reader.readGroup(item) }
            case "services": each(value) { reader, item throws(PatchPolicyError) in try reader.readService(item) }
            case "sla": readSLA(value)
            case "baselines": each(value) { reader, item throws(PatchPolicyError) in try reader.readBaseline(item) }
            case "exceptions":
                each(value) { reader, item throws(PatchPolicyError) in try reader.readException(item) }
            case "holds": each(value) { reader, item throws(PatchPolicyError) in try reader.readHold(item) }
            default: break
            }
        }
    }

    /// Reads each item of a list section, recording one error per bad item.
    mutating func each(
        _ section: PolicyNode,
        _ body: (inout PolicyReader, PolicyNode) throws(PatchPolicyError) -> Void
    ) {
        let items: [PolicyNode]
        do {
            items = try section.sequence()
        } catch {
            errors.append(error)
            return
        }
        for item in items {
            do {
                try body(&self, item)
            } catch {
                errors.append(error)
            }
        }
    }

    mutating func reference(_ kind: PolicyKind, _ name: String, _ node: PolicyNode) {
        references.append(PolicyReference(kind: kind, name: name, node: node))
    }

    func located<Value>(_ value: Value, name: String, _ node: PolicyNode) -> Located<Value> {
        Located(value: value, name: name, location: node.location, path: node.path)
    }

    /// A YAML syntax error with its position.
    static func syntaxError(_ error: YamlError, file: String) -> PatchPolicyError {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let what = context.map { " (\($0.text) that starts at \($0.mark.line):\($0.mark.column))" } ?? ""
            return PatchPolicyError(
                code: .invalidPolicy,
                source: file,
                line: mark.line,
                column: mark.column,
                message: "invalid YAML: \(problem)\(what)"
            )
        case .duplicatedKeysInMapping(let duplicates, let context):
            return PatchPolicyError(
                code: .invalidPolicy,
                source: file,
                line: context.mark.line,
                column: context.mark.column,
                message: "duplicate key '\(duplicates.joined(separator: "', '"))' in a mapping"
            )
        default:
            return PatchPolicyError(code: .invalidPolicy, source: file, message: "invalid YAML: \(error)")
        }
    }
}
