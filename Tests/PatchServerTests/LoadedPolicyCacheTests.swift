import Foundation
import PatchPolicy
import PatchStore
import Testing

@testable import PatchServer

/// Parsed policies are kept by their files: the same files give the same policy without a second
/// parse, and different files never get another policy's entry.
@Suite struct LoadedPolicyCacheTests {
    static func group(_ name: String) -> [PolicyFile] {
        [
            PolicyFile(
                name: "groups.yaml",
                text: """
                    groups:
                      - name: \(name)
                        query: { os: debian }
                    """
            )
        ]
    }

    @Test func entriesAreKeyedByTheFiles() throws {
        for round in 0..<3 {
            for name in ["alpha", "beta", "gamma-\(round)"] {
                let loaded = try LoadedPolicy.load(Self.group(name))
                #expect(loaded.document.groups.map(\.name) == [name])
            }
        }
        // More distinct policies than the cache keeps: every one still loads correctly.
        for index in 0..<20 {
            #expect(try LoadedPolicy.load(Self.group("g\(index)")).document.groups.map(\.name) == ["g\(index)"])
        }
        // A broken file is an error every time, not a cached success.
        let broken = [PolicyFile(name: "groups.yaml", text: "groups: [ {")]
        #expect(throws: PatchPolicyError.self) { try LoadedPolicy.load(broken) }
        #expect(throws: PatchPolicyError.self) { try LoadedPolicy.load(broken) }
    }
}
