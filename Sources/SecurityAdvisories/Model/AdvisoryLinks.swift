import Foundation

/// A page about an advisory at its publisher or at a vulnerability database.
public struct AdvisoryLink: Sendable, Hashable {
    /// What the page is (`Debian security tracker`, `NVD`, …).
    public var label: String
    /// Its address.
    public var url: String

    /// Creates a link.
    public init(label: String, url: String) {
        self.label = label
        self.url = url
    }
}

/// Where to read about an advisory: its publisher's page (Debian security tracker, Ubuntu security
/// notices, Red Hat errata, Alpine's security tracker, OSV for the rest) and, for each CVE it names,
/// NVD and the distribution's own CVE page. Ids with characters outside `A-Z a-z 0-9 . _ : -` get
/// no link (nothing from a feed is pasted into a URL unchecked).
public enum AdvisoryLinks {
    /// The links for advisory `id` with `aliases`, publisher first, without duplicates.
    public static func links(id: String, aliases: [String]) -> [AdvisoryLink] {
        var links: [AdvisoryLink] = []
        func add(_ label: String, _ url: String) {
            if !links.contains(where: { $0.url == url }) { links.append(AdvisoryLink(label: label, url: url)) }
        }
        guard isPlain(id) else { return [] }
        let family = Family(id: id)
        switch family {
        case .debian:
            let tracked = id.hasPrefix("DEBIAN-") ? String(id.dropFirst("DEBIAN-".count)) : id
            add("Debian security tracker", "https://security-tracker.debian.org/tracker/\(tracked)")
        case .ubuntu:
            if id.hasPrefix("USN-") {
                add("Ubuntu security notice", "https://ubuntu.com/security/notices/\(id)")
            } else {
                add("Ubuntu CVE tracker", "https://ubuntu.com/security/\(id.dropFirst("UBUNTU-".count))")
            }
        case .redHat:
            add("Red Hat errata", "https://access.redhat.com/errata/\(id)")
        case .alpine:
            let cve = id.hasPrefix("ALPINE-") ? String(id.dropFirst("ALPINE-".count)) : id
            add("Alpine security tracker", "https://security.alpinelinux.org/vuln/\(cve)")
        case .other:
            if !id.hasPrefix("CVE-") { add("OSV", "https://osv.dev/vulnerability/\(id)") }
        }
        let cves = ([id] + aliases).compactMap { name -> String? in
            guard isPlain(name), let range = name.range(of: "CVE-") else { return nil }
            let cve = String(name[range.lowerBound...])
            return cve.dropFirst(4).allSatisfy { $0.isNumber || $0 == "-" } ? cve : nil
        }
        for cve in cves {
            add("NVD \(cve)", "https://nvd.nist.gov/vuln/detail/\(cve)")
            switch family {
            case .debian:
                add("Debian \(cve)", "https://security-tracker.debian.org/tracker/\(cve)")
            case .other where id.hasPrefix("CVE-"):
                add("Debian \(cve)", "https://security-tracker.debian.org/tracker/\(cve)")
            case .ubuntu: add("Ubuntu \(cve)", "https://ubuntu.com/security/\(cve)")
            case .redHat: add("Red Hat \(cve)", "https://access.redhat.com/security/cve/\(cve)")
            case .alpine: add("Alpine \(cve)", "https://security.alpinelinux.org/vuln/\(cve)")
            case .other: break
            }
        }
        return links
    }

    enum Family {
        case debian, ubuntu, redHat, alpine, other

        init(id: String) {
            if id.hasPrefix("DSA-") || id.hasPrefix("DLA-") || id.hasPrefix("DTSA-") || id.hasPrefix("DEBIAN-") {
                self = .debian
            } else if id.hasPrefix("USN-") || id.hasPrefix("UBUNTU-") {
                self = .ubuntu
            } else if id.hasPrefix("RHSA-") || id.hasPrefix("RHBA-") || id.hasPrefix("RHEA-") {
                self = .redHat
            } else if id.hasPrefix("ALPINE-") {
                self = .alpine
            } else {
                self = .other
            }
        }
    }

    static func isPlain(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 128
            && text.unicodeScalars.allSatisfy { scalar in
                scalar.isASCII
                    && (("A"..."Z").contains(scalar) || ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar)
                        || scalar == "." || scalar == "_" || scalar == ":" || scalar == "-")
            }
    }
}
