import Foundation

/// Reads host files under a root directory, as if that directory were `/`.
///
/// Symbolic links are followed inside the root: an absolute link target such as `/run` for
/// `/var/run` is taken relative to the root, so a sandbox or a mounted image never leaks into the
/// files of the machine running the collector.
struct CollectorFileSystem: Sendable {
    /// The root directory without a trailing slash; empty for `/`.
    let root: String

    init(rootDirectory: String) {
        var root = rootDirectory
        while root.count > 1, root.hasSuffix("/") { root.removeLast() }
        self.root = root == "/" ? "" : root
    }

    /// Whether the root is the running system's `/`.
    var isSystemRoot: Bool { root.isEmpty }

    /// The real path of a host path, following symbolic links inside the root.
    func resolve(_ hostPath: String) -> String {
        if isSystemRoot { return hostPath }
        var resolved: [Substring] = []
        var pending = Array(hostPath.split(separator: "/").reversed())
        var hops = 0
        while let component = pending.popLast() {
            if component == "." || component.isEmpty { continue }
            if component == ".." {
                _ = resolved.popLast()
                continue
            }
            let candidate = root + "/" + (resolved + [component]).joined(separator: "/")
            if hops < 40, let target = try? FileManager.default.destinationOfSymbolicLink(atPath: candidate) {
                hops += 1
                if target.hasPrefix("/") { resolved.removeAll() }
                pending.append(contentsOf: target.split(separator: "/").reversed())
                continue
            }
            resolved.append(component)
        }
        return root + "/" + resolved.joined(separator: "/")
    }

    /// Whether a regular file or directory exists at the host path.
    func exists(_ hostPath: String) -> Bool {
        FileManager.default.fileExists(atPath: resolve(hostPath))
    }

    /// The bytes of the file at the host path, or `nil` if there is none.
    func bytes(_ hostPath: String) throws(CollectorError) -> [UInt8]? {
        let path = resolve(hostPath)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return nil }
        guard !isDirectory.boolValue else {
            throw CollectorError(code: .fileUnreadable, subject: path, message: "is a directory, expected a file")
        }
        do {
            // Data(contentsOf:) reads to end of file, which /proc files (size 0) need.
            return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw CollectorError(code: .fileUnreadable, subject: path, message: "cannot be read: \(error)")
        }
    }

    /// The UTF-8 text of the file at the host path, or `nil` if there is none.
    func text(_ hostPath: String) throws(CollectorError) -> String? {
        guard let bytes = try bytes(hostPath) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The first line of the file at the host path without surrounding whitespace, or `nil` if
    /// the file does not exist.
    func firstLine(_ hostPath: String) throws(CollectorError) -> String? {
        guard let text = try text(hostPath) else { return nil }
        let line = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return line.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
