// CSAF 2.0 advisory or VEX document (Red Hat) → advisories → findings.
import Foundation
import FuzzSupport
import SecurityAdvisories

// Also exported under libFuzzer's conventional name, which its (unused) main refers to.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzCSAF(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    FeedChecks.exercise(input.data, name: "fuzz/csaf/rhsa.json", format: .csaf)
    return 0
}

runFuzzer(fuzzCSAF)
