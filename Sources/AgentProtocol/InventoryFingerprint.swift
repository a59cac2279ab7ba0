import Crypto
import FleetModel

/// A stable SHA-256 fingerprint of a package list, independent of its order.
///
/// Each package contributes one canonical line (`name\tarch\tversion\tsource\tsourceVersion\tstate\tmanager\n`),
/// lines sorted by package key. Agent and server compute it the same way, so a delta can be applied
/// only to the exact list it was made from.
public enum InventoryFingerprint {
    /// The fingerprint of `packages`, as `sha256:` followed by lowercase hex.
    public static func of(_ packages: [InstalledPackage]) -> String {
        var hasher = SHA256()
        for package in packages.sorted(by: { $0.key < $1.key }) {
            let line =
                "\(package.name)\t\(package.architecture)\t\(package.version)\t\(package.sourceName)\t"
                + "\(package.sourceVersion)\t\(package.state.rawValue)\t\(package.manager.rawValue)\n"
            hasher.update(data: Array(line.utf8))
        }
        return "sha256:" + Hex.encode(hasher.finalize())
    }
}

/// Lowercase hexadecimal encoding.
public enum Hex {
    /// Encodes bytes as lowercase hex.
    public static func encode<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
