import Yams

extension PolicyReader {
    mutating func readScope(_ node: PolicyNode) throws(PatchPolicyError) -> PolicyScope {
        let fields = try node.mapping(allowed: ["host", "group", "package", "advisory"])
        var scope = PolicyScope()
        switch (fields["host"], fields["group"]) {
        case (let host?, nil): scope.hosts = .host(try host.string())
        case (nil, let group?):
            let name = try group.string()
            reference(.group, name, group)
            scope.hosts = .group(name)
        case (_?, let group?): throw group.error("give either 'host' or 'group', not both")
        case (nil, nil): break
        }
        switch (fields["package"], fields["advisory"]) {
        case (let package?, nil): scope.subject = .package(try package.string())
        case (nil, let advisory?): scope.subject = .advisory(try advisory.string())
        case (_?, let advisory?): throw advisory.error("give either 'package' or 'advisory', not both")
        case (nil, nil): break
        }
        if fields.entries.isEmpty {
            throw node.error("expected at least one of: host, group, package, advisory")
        }
        return scope
    }

    mutating func readException(_ item: PolicyNode) throws(PatchPolicyError) {
        let fields = try item.mapping(allowed: [
            "id", "scope", "reason", "compensatingControl", "owner", "approver", "starts", "expires",
        ])
        let id = try fields.required("id").string()
        let scope = try readScope(try fields.required("scope"))
        let owner = try fields.required("owner").string()
        let approver = try fields.required("approver").string()
        let approverNode = try fields.required("approver")
        if owner == approver {
            throw approverNode.error("the approver must differ from the owner ('\(owner)')")
        }
        let starts = try fields.required("starts").date()
        let expiresNode = try fields.required("expires")
        let expires = try expiresNode.date()
        if expires <= starts { throw expiresNode.error("expected a date after 'starts'") }
        let exception = PolicyException(
            id: id,
            scope: scope,
            reason: try fields.required("reason").string(),
            compensatingControl: try fields.required("compensatingControl").string(),
            owner: owner,
            approver: approver,
            starts: starts,
            expires: expires
        )
        exceptions.append(located(exception, name: id, item))
    }

    mutating func readHold(_ item: PolicyNode) throws(PatchPolicyError) {
        let fields = try item.mapping(allowed: ["name", "scope", "reason", "starts", "ends"])
        let name = try fields.required("name").string()
        let scope = try readScope(try fields.required("scope"))
        let starts = try fields.required("starts").date()
        let endsNode = try fields.required("ends")
        let ends = try endsNode.date()
        if ends <= starts { throw endsNode.error("expected a date after 'starts'") }
        let hold = ComplianceHold(
            name: name,
            scope: scope,
            reason: try fields.required("reason").string(),
            starts: starts,
            ends: ends
        )
        holds.append(located(hold, name: name, item))
    }
}
