import Foundation
import SecurityAdvisories

/// Feed files on disk: a file, or a directory walked recursively (hidden entries and `*.md` notes
/// left out, in name order).
public enum FeedFiles {
    /// Reads every recognised feed file under `path`; `warn` hears about the files it skips.
    public static func read(
        path: String,
        policy: InvalidRecordPolicy,
        warn: (String) -> Void
    ) throws -> FeedContent {
        let reader = FeedDocumentReader(policy: policy, snapshotTime: Date())
        var content = FeedContent()
        for file in try files(at: path) {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw FeedImportError("cannot read \(file)")
            }
            guard let format = FeedDocumentReader.detect(name: file, data: data) else {
                warn("skipping \(file): not a recognised feed format")
                continue
            }
            content.merge(try reader.read(data, name: file, format: format))
        }
        return content
    }

    /// The files at `path`: the path itself when it is a file, else the directory's files.
    public static func files(at path: String) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw FeedImportError("no such file or directory: \(path)")
        }
        guard isDirectory.boolValue else { return [path] }
        let enumerator = FileManager.default.enumerator(atPath: path)
        var found: [String] = []
        while let relative = enumerator?.nextObject() as? String {
            let full = path + "/" + relative
            var nested: ObjCBool = false
            if FileManager.default.fileExists(atPath: full, isDirectory: &nested), !nested.boolValue,
                !relative.split(separator: "/").contains(where: { $0.hasPrefix(".") }), !relative.hasSuffix(".md")
            {
                found.append(full)
            }
        }
        return found.sorted()
    }
}
