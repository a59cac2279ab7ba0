// Debian security tracker data/DSA/list and data/DLA/list → advisories → findings. Every input is
// read as both kinds.
import Foundation
import FuzzSupport
import SecurityAdvisories

// Also exported under libFuzzer's conventional name, which its (unused) main refers to.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzDebianList(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    FeedChecks.exercise(input.data, name: "fuzz/DSA/list", format: .debianDSAList)
    FeedChecks.exercise(input.data, name: "fuzz/DLA/list", format: .debianDLAList)
    return 0
}

runFuzzer(fuzzDebianList)
