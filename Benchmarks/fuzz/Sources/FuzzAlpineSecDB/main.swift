// Alpine secdb, JSON (secdb.alpinelinux.org) or YAML (the aports secfixes files; read with Yams) →
// advisories → findings. The reader picks JSON when the first non-space byte is `{`, as it does
// for real files.
import Foundation
import FuzzSupport
import SecurityAdvisories

// Also exported under libFuzzer's conventional name, which its (unused) main refers to.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzAlpineSecDB(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    FeedChecks.exercise(input.data, name: "fuzz/v3.19/main.yaml", format: .alpineSecDB)
    return 0
}

runFuzzer(fuzzAlpineSecDB)
