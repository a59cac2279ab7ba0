import AgentProtocol
import FleetModel

/// Checks on what agents send that JSON decoding alone does not make: lengths, counts, control
/// characters, and the range of every number.
public enum AgentInput {
    /// Package records: every field bounded, no duplicate (name, architecture).
    public static func validate(_ packages: [InstalledPackage], field: String) throws {
        var seen = Set<PackageKey>()
        for (index, package) in packages.enumerated() {
            let location = "\(field)[\(index)]"
            try TextField.check(package.name, "\(location).name", max: 256)
            try TextField.check(package.architecture, "\(location).architecture", max: 64)
            try TextField.check(package.version, "\(location).version", max: 256)
            try TextField.check(package.sourceName, "\(location).sourceName", max: 256)
            try TextField.check(package.sourceVersion, "\(location).sourceVersion", max: 256)
            guard seen.insert(package.key).inserted else {
                throw APIInputError("\(location): duplicate package \(package.name):\(package.architecture)")
            }
        }
    }

    /// Host facts. Numbers are range-checked here, once, so nothing downstream (pages, metrics,
    /// reboot-loop detection) ever converts an absurd value: `uptimeSeconds: 1e300` is refused.
    public static func validate(_ facts: HostFacts, field: String, requireMachineID: Bool) throws {
        try TextField.check(facts.hostname, "\(field).hostname", max: 253)
        if requireMachineID || !facts.machineID.isEmpty {
            try TextField.check(facts.machineID, "\(field).machineID", max: 160)
        }
        try TextField.check(facts.os.id, "\(field).os.id", max: 64)
        try TextField.checkLength(facts.os.versionID, "\(field).os.versionID", max: 64)
        try InputBounds.check(facts.uptimeSeconds, "\(field).uptimeSeconds", in: 0...(100 * 366 * 86400))
        for (name, value, limit) in [
            ("bootID", facts.bootID, 128), ("architecture", facts.architecture, 64),
            ("kernelRunning", facts.kernelRunning, 256),
            ("kernelNewestInstalled", facts.kernelNewestInstalled ?? "", 256),
            ("timeZone", facts.timeZone ?? "", 64), ("os.versionCodename", facts.os.versionCodename, 64),
            ("os.prettyName", facts.os.prettyName, 256),
        ] {
            try TextField.checkLength(value, "\(field).\(name)", max: limit)
        }
        try InputBounds.count(facts.os.idLike.count, "\(field).os.idLike", atMost: 32)
        try InputBounds.count(facts.rebootRequiredPackages.count, "\(field).rebootRequiredPackages", atMost: 10_000)
    }
}

extension EnrollmentRequest: APIRequestBody {
    public func validate() throws {
        try TextField.check(token, "token", max: 256)
        try TextField.check(publicKey, "publicKey", max: 64)
        // The machine id may be empty here: the server gives such a host an identity of its own.
        try AgentInput.validate(facts, field: "facts", requireMachineID: false)
    }
}

extension HeartbeatRequest: APIRequestBody {
    public func validate() throws {
        try AgentInput.validate(facts, field: "facts", requireMachineID: false)
        try TextField.checkLength(inventoryFingerprint, "inventoryFingerprint", max: 128)
    }
}

extension InventoryUpload: APIRequestBody {
    public func validate() throws {
        try TextField.check(fingerprint, "fingerprint", max: 128)
        try TextField.checkLength(baseFingerprint, "baseFingerprint", max: 128)
        if let packages { try AgentInput.validate(packages, field: "packages") }
        if let delta {
            try AgentInput.validate(delta.added, field: "delta.added")
            try AgentInput.validate(delta.changed, field: "delta.changed")
            try InputBounds.count(delta.removed.count, "delta.removed", atMost: 1_000_000)
            for (index, key) in delta.removed.enumerated() {
                try TextField.check(key.name, "delta.removed[\(index)].name", max: 256)
                try TextField.checkLength(key.architecture, "delta.removed[\(index)].architecture", max: 64)
            }
        }
        guard (packages == nil) != (delta == nil), (delta == nil) == (baseFingerprint == nil) else {
            throw APIInputError("send either 'packages' (full upload) or 'delta' with 'baseFingerprint'")
        }
    }
}

extension PlanReport: APIRequestBody {
    public func validate() throws {
        try TextField.check(planID, "planID", max: 128)
        try InputBounds.count(steps.count, "steps", atMost: 200)
        for (index, step) in steps.enumerated() {
            let field = "steps[\(index)]"
            try TextField.check(step.step, "\(field).step", max: 64)
            try InputBounds.check(step.startedAt, "\(field).startedAt", in: 0...(1 << 40))
            try InputBounds.check(step.endedAt, "\(field).endedAt", in: 0...(1 << 40))
            try TextField.checkLength(step.message, "\(field).message", max: 64 * 1024)
            try TextField.checkLength(step.stdoutTail, "\(field).stdoutTail", max: 64 * 1024)
            try TextField.checkLength(step.stderrTail, "\(field).stderrTail", max: 64 * 1024)
            for (name, versions) in [("versionsBefore", step.versionsBefore), ("versionsAfter", step.versionsAfter)] {
                try InputBounds.count(versions.count, "\(field).\(name)", atMost: 10_000)
                for (package, version) in versions {
                    try TextField.check(package, "\(field).\(name) key", max: 256)
                    try TextField.checkLength(version, "\(field).\(name).\(package)", max: 256)
                }
            }
        }
    }
}
