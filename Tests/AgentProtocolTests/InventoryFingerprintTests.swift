import AgentProtocol
import Crypto
import FleetModel
import Testing

@Suite struct InventoryFingerprintTests {
    enum Field: String, CaseIterable, CustomTestStringConvertible {
        case name, architecture, version, sourceName, sourceVersion, state, manager
        var testDescription: String { rawValue }

        func mutate(_ package: inout InstalledPackage) {
            switch self {
            case .name: package.name += "x"
            case .architecture: package.architecture = package.architecture == "amd64" ? "i386" : "amd64"
            case .version: package.version += "+1"
            case .sourceName: package.sourceName += "-src"
            case .sourceVersion: package.sourceVersion += "+1"
            case .state: package.state = package.state == .installed ? .configFiles : .installed
            case .manager: package.manager = package.manager == .dpkg ? .rpm : .dpkg
            }
        }
    }

    @Test func emptyListIsSHA256OfNothing() {
        #expect(
            InventoryFingerprint.of([])
                == "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        )
    }

    @Test func matchesTheDocumentedCanonicalForm() {
        let text =
            "bash\tamd64\t5.2.15-2+b7\tbash\t5.2.15-2+b7\tinstalled\tdpkg\n"
            + "bsdutils\tamd64\t1:2.38.1-5+deb12u3\tutil-linux\t2.38.1-5+deb12u3\tinstalled\tdpkg\n"
            + "openssl\tamd64\t3.0.15-1~deb12u1\topenssl\t3.0.15-1~deb12u1\thalf-configured\tdpkg\n"
            + "openssl\tarm64\t3.0.15-1~deb12u1\topenssl\t3.0.15-1~deb12u1\tinstalled\tdpkg\n"
        let expected = "sha256:" + Hex.encode(SHA256.hash(data: Array(text.utf8)))
        #expect(InventoryFingerprint.of(Samples.fixedList) == expected)
        #expect(InventoryFingerprint.of(Samples.fixedList.reversed()) == expected)
    }

    @Test(arguments: 0..<20)
    func isOrderIndependent(seed: Int) {
        var generator = SeededGenerator(seed: UInt64(seed))
        let packages = Samples.packages(using: &generator)
        let fingerprint = InventoryFingerprint.of(packages)
        #expect(fingerprint.hasPrefix("sha256:"))
        #expect(fingerprint.count == 7 + 64)
        #expect(fingerprint.dropFirst(7).allSatisfy { "0123456789abcdef".contains($0) })
        for _ in 0..<5 {
            #expect(InventoryFingerprint.of(packages.shuffled(using: &generator)) == fingerprint)
        }
    }

    @Test(arguments: Field.allCases)
    func changesWhenAnyFieldOfAnyPackageChanges(field: Field) {
        let base = Samples.fixedList
        let fingerprint = InventoryFingerprint.of(base)
        for index in base.indices {
            var changed = base
            field.mutate(&changed[index])
            #expect(changed[index] != base[index])
            #expect(
                InventoryFingerprint.of(changed) != fingerprint,
                "changing \(field) of \(base[index].name)/\(base[index].architecture) kept the fingerprint"
            )
        }
    }

    @Test func changesWhenAPackageIsAddedOrRemoved() {
        let base = Samples.fixedList
        let fingerprint = InventoryFingerprint.of(base)
        for index in base.indices {
            var removed = base
            removed.remove(at: index)
            #expect(InventoryFingerprint.of(removed) != fingerprint)
        }
        let added = base + [InstalledPackage(name: "zsh", architecture: "amd64", version: "5.9-4", manager: .dpkg)]
        #expect(InventoryFingerprint.of(added) != fingerprint)
    }

    @Test func hexEncodesLowercase() {
        #expect(Hex.encode([0x00, 0x0f, 0xa0, 0xff]) == "000fa0ff")
        #expect(Hex.encode([UInt8]()) == "")
    }
}
