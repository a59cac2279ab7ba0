// NVD CVE API 2.0 JSON → advisories (CVSS records) → findings.
import Foundation
import FuzzSupport
import SecurityAdvisories

// Also exported under libFuzzer's conventional name, which its (unused) main refers to.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzNVD(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    FeedChecks.exercise(input.data, name: "fuzz/nvd/cves.json", format: .nvd)
    return 0
}

runFuzzer(fuzzNVD)
