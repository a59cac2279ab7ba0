// os-release → OSRelease → the advisory release the host is matched against, as the agent and
// `patchpilot scan` do; the facts then travel as JSON to the server.
import FleetModel
import Foundation
import FuzzSupport
import SecurityAdvisories

// Also exported under libFuzzer's conventional name, which its (unused) main refers to.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOSRelease(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    let parser = OSReleaseParser(sourceName: "fuzz/os-release")
    let fields = Result { () throws(FleetModelError) in try parser.parseFields(input.text) }
    let parsed = Result { () throws(FleetModelError) in try parser.parse(input.text) }
    switch (fields, parsed) {
    case (.success(let fields), .success(let os)):
        invariant(!os.id.isEmpty, "empty ID")
        invariant(os.versionID == fields["VERSION_ID"] ?? "", "VERSION_ID not carried over")
        for key in fields.keys {
            invariant(key.first.map { $0 == "_" || $0.isLetter } == true, "variable name '\(key)'")
        }
        if let release = EcosystemRelease(osRelease: os) {
            _ = release.osvEcosystem
            _ = EcosystemRelease(osvEcosystem: release.osvEcosystem)
        }
        let facts = HostFacts(
            hostname: "fuzz",
            machineID: "0",
            bootID: "0",
            os: os,
            architecture: "amd64",
            kernelRunning: "6.1.0"
        )
        do {
            let decoded = try JSONDecoder().decode(HostFacts.self, from: JSONEncoder().encode(facts))
            invariant(decoded == facts, "host facts do not survive JSON")
        } catch {
            invariant(false, "host facts do not encode: \(error)")
        }
    case (.failure(let a), .failure(let b)):
        invariant(a == b, "parse and parseFields fail differently")
    default:
        invariant(false, "parse and parseFields disagree")
    }
    return 0
}

runFuzzer(fuzzOSRelease)
