import Foundation
import PackageVersions
import Testing

/// One case of the purl-spec JSON test suite.
struct PURLCase: Sendable, CustomStringConvertible {
    let file: String
    let description: String
    let testType: String
    let input: String?
    let inputComponents: [String: String?]?
    let inputQualifiers: [String: String]?
    let expectedString: String?
    let expectedComponents: [String: String?]?
    let expectedQualifiers: [String: String]?
    let expectedFailure: Bool
    let testGroup: String

    static func load(_ name: String) -> [PURLCase] {
        let object = try? JSONSerialization.jsonObject(with: Data(Fixture.text(name).utf8))
        guard let root = object as? [String: Any], let tests = root["tests"] as? [[String: Any]] else {
            fatalError("bad purl fixture \(name)")
        }
        func components(_ any: Any?) -> ([String: String?], [String: String])? {
            guard let dict = any as? [String: Any] else { return nil }
            var parts: [String: String?] = [:]
            for key in ["type", "namespace", "name", "version", "subpath"] { parts[key] = dict[key] as? String }
            var qualifiers: [String: String] = [:]
            for (k, v) in (dict["qualifiers"] as? [String: Any]) ?? [:] {
                if let s = v as? String {
                    qualifiers[k] = s
                } else if let a = v as? [String] {
                    qualifiers[k] = a.joined(separator: ",")
                }
            }
            return (parts, qualifiers)
        }
        return tests.map { t in
            let input = components(t["input"])
            let expected = components(t["expected_output"])
            return PURLCase(
                file: name,
                description: "\(name): \(t["description"] as? String ?? "") [\(t["test_type"] as? String ?? "")]",
                testType: t["test_type"] as? String ?? "",
                input: t["input"] as? String,
                inputComponents: input?.0,
                inputQualifiers: input?.1,
                expectedString: t["expected_output"] as? String,
                expectedComponents: expected?.0,
                expectedQualifiers: expected?.1,
                expectedFailure: t["expected_failure"] as? Bool ?? false,
                testGroup: t["test_group"] as? String ?? ""
            )
        }
    }
}

@Suite struct PackageURLTests {
    static let cases = ["deb", "rpm", "apk", "generic", "specification"].flatMap {
        PURLCase.load("purl-\($0)-test.json")
    }

    /// The suite's "recommended" lenient round-trip of upper-case qualifier keys contradicts a
    /// "required" case that expects that same input to fail; the required behaviour wins.
    static let requiredFailures = Set(
        cases.filter { $0.testGroup == "required" && $0.expectedFailure }.compactMap(\.input)
    )

    @Test(arguments: cases.filter { !($0.testGroup != "required" && Self.requiredFailures.contains($0.input ?? "")) })
    func purlSpecSuite(_ c: PURLCase) throws {
        switch c.testType {
        case "parse":
            let parsed = try? PackageURL(parsing: c.input ?? "")
            if c.expectedFailure {
                #expect(parsed == nil)
                return
            }
            let purl = try #require(parsed)
            let e = try #require(c.expectedComponents)
            #expect(purl.type == e["type"] ?? nil)
            #expect(purl.namespace == e["namespace"] ?? nil)
            #expect(purl.name == e["name"] ?? nil)
            #expect(purl.version == e["version"] ?? nil)
            #expect(purl.subpath == e["subpath"] ?? nil)
            #expect(purl.qualifiers == (c.expectedQualifiers ?? [:]))
        case "validate", "roundtrip":
            let parsed = try? PackageURL(parsing: c.input ?? "")
            if c.expectedFailure {
                #expect(parsed == nil)
                return
            }
            #expect(try #require(parsed).description == c.expectedString)
        case "build":
            let parts = try #require(c.inputComponents)
            let built = try? PackageURL(
                type: (parts["type"] ?? nil) ?? "",
                namespace: parts["namespace"] ?? nil,
                name: (parts["name"] ?? nil) ?? "",
                version: parts["version"] ?? nil,
                qualifiers: c.inputQualifiers ?? [:],
                subpath: parts["subpath"] ?? nil
            )
            if c.expectedFailure {
                #expect(built == nil)
                return
            }
            #expect(try #require(built).description == c.expectedString)
        default:
            Issue.record("unknown test type \(c.testType)")
        }
    }

    @Test func debianQualifiersAndEncoding() throws {
        let purl = try PackageURL(
            parsing: "pkg:deb/debian/curl@7.88.1-10%2Bdeb12u5?arch=amd64&distro=debian-12&upstream=curl"
        )
        #expect(purl.version == "7.88.1-10+deb12u5")
        #expect(purl.arch == "amd64")
        #expect(purl.distro == "debian-12")
        #expect(purl.upstream == "curl")
        #expect(purl.description == "pkg:deb/debian/curl@7.88.1-10%2Bdeb12u5?arch=amd64&distro=debian-12&upstream=curl")
        #expect(try purl.parsedVersion() == .deb(try DebianVersion(parsing: "7.88.1-10+deb12u5")))
        let epoch = try PackageURL(parsing: "pkg:deb/debian/ntp@1:4.2.8p15%2Bdfsg-2")
        #expect(epoch.version == "1:4.2.8p15+dfsg-2")
        #expect(epoch.description == "pkg:deb/debian/ntp@1:4.2.8p15%2Bdfsg-2")
    }

    @Test func rpmEpochQualifierAppliesToVersion() throws {
        let purl = try PackageURL(parsing: "pkg:rpm/RedHat/openssl@1.1.1k-7.el8_6?arch=x86_64&epoch=1&distro=rhel-8")
        #expect(purl.namespace == "redhat")
        #expect(purl.epoch == "1")
        #expect(try purl.parsedVersion() == .rpm(try RPMVersion(parsing: "1:1.1.1k-7.el8_6")))
        #expect(purl.description == "pkg:rpm/redhat/openssl@1.1.1k-7.el8_6?arch=x86_64&distro=rhel-8&epoch=1")
    }

    @Test func apkAndGeneric() throws {
        let apk = try PackageURL(parsing: "pkg:apk/Alpine/Busybox@1.36.1-r15?arch=x86_64&distro=3.19.1")
        #expect(apk.namespace == "alpine" && apk.name == "busybox")
        #expect(try apk.parsedVersion() == .apk(try AlpineVersion(parsing: "1.36.1-r15")))
        let generic = try PackageURL(type: "generic", name: "open ssl", version: "1.1.1 beta/2", subpath: "a/./b/../c")
        #expect(generic.description == "pkg:generic/open%20ssl@1.1.1%20beta%2F2#a/b/c")
        #expect(try PackageURL(parsing: generic.description) == generic)
        #expect(throws: PackageVersionsError.self) { try PackageURL(parsing: "pkg:deb/debian/curl?a=1&A=2") }
        #expect(throws: PackageVersionsError.self) { try PackageURL(parsing: "deb/debian/curl") }
    }
}
