import AgentProtocol
import FleetModel
import Foundation
import Testing

@Suite struct InventoryUploadTests {
    @Test(arguments: 0..<50)
    func deltaAppliedToBaseReproducesTarget(seed: Int) throws {
        var generator = SeededGenerator(seed: UInt64(seed) &+ 1000)
        let base = Samples.packages(using: &generator)
        let target = Samples.mutated(base, using: &generator)
        let upload = InventoryUpload.delta(from: base, to: target)
        #expect(upload.packages == nil)
        #expect(upload.baseFingerprint == InventoryFingerprint.of(base))
        #expect(upload.fingerprint == InventoryFingerprint.of(target))
        let delta = try #require(upload.delta)
        let applied = delta.applied(to: base)
        #expect(applied == target.sorted { $0.key < $1.key })
        #expect(InventoryFingerprint.of(applied) == upload.fingerprint)
    }

    @Test func fullUploadCarriesThePackagesAndTheirFingerprint() {
        let upload = InventoryUpload.full(Samples.fixedList)
        #expect(upload.baseFingerprint == nil)
        #expect(upload.delta == nil)
        #expect(upload.packages == Samples.fixedList)
        #expect(upload.fingerprint == InventoryFingerprint.of(Samples.fixedList))
    }

    @Test func deltaOfEqualListsIsEmptyAndKeepsTheFingerprint() throws {
        let upload = InventoryUpload.delta(from: Samples.fixedList, to: Samples.fixedList.reversed())
        #expect(upload.baseFingerprint == upload.fingerprint)
        #expect(try #require(upload.delta).isEmpty)
    }

    @Test func uploadsSurviveAJSONRoundTrip() throws {
        var target = Samples.fixedList
        target[0].version = "5.2.21-2"
        target.removeLast()
        for upload in [InventoryUpload.full(target), InventoryUpload.delta(from: Samples.fixedList, to: target)] {
            let data = try JSONEncoder().encode(upload)
            #expect(try JSONDecoder().decode(InventoryUpload.self, from: data) == upload)
        }
    }
}

@Suite struct PackageSetDiffPropertyTests {
    @Test(arguments: 0..<100)
    func appliedToOldGivesNewSortedByKey(seed: Int) {
        var generator = SeededGenerator(seed: UInt64(seed) &* 31 &+ 7)
        let old = Samples.packages(using: &generator)
        // Half the cases use an unrelated list, half a mutation of `old`.
        let new = seed.isMultiple(of: 2) ? Samples.packages(using: &generator) : Samples.mutated(old, using: &generator)
        let diff = PackageSetDiff(from: old, to: new)
        let sortedNew = new.sorted { $0.key < $1.key }
        #expect(diff.applied(to: old) == sortedNew)
        #expect(diff.applied(to: old.shuffled(using: &generator)) == sortedNew)
        #expect(diff.isEmpty == (old.sorted { $0.key < $1.key } == sortedNew))
    }

    @Test(arguments: 0..<100)
    func partsAreSortedDisjointAndMinimal(seed: Int) {
        var generator = SeededGenerator(seed: UInt64(seed) &* 131 &+ 3)
        let old = Samples.packages(using: &generator)
        let new = Samples.mutated(old, using: &generator)
        let diff = PackageSetDiff(from: old, to: new)
        let oldByKey = Dictionary(uniqueKeysWithValues: old.map { ($0.key, $0) })
        let newByKey = Dictionary(uniqueKeysWithValues: new.map { ($0.key, $0) })

        #expect(diff.added.map(\.key) == diff.added.map(\.key).sorted())
        #expect(diff.changed.map(\.key) == diff.changed.map(\.key).sorted())
        #expect(diff.removed == diff.removed.sorted())

        #expect(Set(diff.added.map(\.key)) == Set(newByKey.keys).subtracting(oldByKey.keys))
        #expect(Set(diff.removed) == Set(oldByKey.keys).subtracting(newByKey.keys))
        let expectedChanged = Set(newByKey.keys.filter { key in oldByKey[key].map { $0 != newByKey[key] } ?? false })
        #expect(Set(diff.changed.map(\.key)) == expectedChanged)
        for package in diff.added + diff.changed {
            #expect(newByKey[package.key] == package)
        }
        #expect(diff.added.count + diff.changed.count + diff.removed.count <= old.count + new.count)
    }

    @Test(arguments: 0..<30)
    func equalListsGiveAnEmptyDiff(seed: Int) {
        var generator = SeededGenerator(seed: UInt64(seed) &+ 99)
        let list = Samples.packages(using: &generator)
        let diff = PackageSetDiff(from: list, to: list.shuffled(using: &generator))
        #expect(diff.isEmpty)
        #expect(diff == PackageSetDiff())
        #expect(diff.applied(to: list) == list.sorted { $0.key < $1.key })
    }

    @Test func fromEmptyEverythingIsAddedAndToEmptyEverythingIsRemoved() {
        let list = Samples.fixedList
        let up = PackageSetDiff(from: [], to: list)
        #expect(up.added == list.sorted { $0.key < $1.key })
        #expect(up.removed.isEmpty && up.changed.isEmpty)
        let down = PackageSetDiff(from: list, to: [])
        #expect(down.removed == list.map(\.key).sorted())
        #expect(down.added.isEmpty && down.changed.isEmpty)
        #expect(down.applied(to: list).isEmpty)
    }

    @Test func aChangeOfSourceOrStateAloneCountsAsChanged() {
        var new = Samples.fixedList
        new[0].state = .halfInstalled
        new[1].sourceVersion = "2.38.1-5+deb12u4"
        let diff = PackageSetDiff(from: Samples.fixedList, to: new)
        #expect(diff.changed.map(\.name) == ["bash", "bsdutils"])
        #expect(diff.added.isEmpty && diff.removed.isEmpty)
    }
}
