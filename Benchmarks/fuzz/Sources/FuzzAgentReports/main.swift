// What an enrolled agent sends after authentication, handled as the server handles it: heartbeats
// (facts bounded; the dashboard's duration arithmetic on uptime), inventory uploads (full or delta
// against a stored inventory, fingerprint recomputed, the merged list validated), plan reports
// (bounded, re-encoded as stored). The first byte picks the kind; the rest is the JSON body.
import AgentProtocol
import FleetModel
import Foundation
import FuzzSupport
import PatchAPI

let stored: [InstalledPackage] = [
    InstalledPackage(
        name: "bash",
        architecture: "amd64",
        version: "5.2.15-2+b8",
        sourceName: "bash",
        sourceVersion: "5.2.15-2",
        manager: .dpkg
    ),
    InstalledPackage(name: "openssl", architecture: "amd64", version: "3.0.15-1~deb12u1", manager: .dpkg),
]
let storedFingerprint = InventoryFingerprint.of(stored)

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzAgentReports(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let (selector, bytes) = FuzzInput(data, size).selectorAndRest
    switch selector % 3 {
    case 0:
        guard let beat = try? APIBody.decode(HeartbeatRequest.self, from: bytes) else { return 0 }
        let seconds = InputBounds.wholeSeconds(beat.facts.uptimeSeconds)
        _ = seconds / 86400 + seconds % 86400 / 3600
        invariant(beat.facts.uptimeSeconds.isFinite, "non-finite uptime accepted")
    case 1:
        guard let upload = try? APIBody.decode(InventoryUpload.self, from: bytes) else { return 0 }
        var packages: [InstalledPackage]
        if let full = upload.packages {
            packages = full
        } else if let delta = upload.delta {
            // The server applies a delta only to the inventory it holds under that fingerprint;
            // the harness applies every delta to its stored inventory to reach that code.
            _ = upload.baseFingerprint == storedFingerprint
            packages = delta.applied(to: stored)
            guard (try? AgentInput.validate(packages, field: "delta")) != nil else { return 0 }
        } else {
            return 0
        }
        let fingerprint = InventoryFingerprint.of(packages)
        invariant(fingerprint.utf8.count == 64 || fingerprint.utf8.count > 0, "empty fingerprint")
        packages.sort { $0.key < $1.key }
        invariant(Set(packages.map(\.key)).count == packages.count, "duplicate packages survived validation")
    default:
        guard let report = try? APIBody.decode(PlanReport.self, from: bytes) else { return 0 }
        for step in report.steps { _ = step.endedAt - step.startedAt }
        let encoded = try! JSONEncoder().encode(report)
        invariant((try? JSONDecoder().decode(PlanReport.self, from: encoded)) == report, "report does not round-trip")
    }
    return 0
}

runFuzzer(fuzzAgentReports)
