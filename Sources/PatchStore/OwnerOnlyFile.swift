import Foundation

/// Files only their owner may read: the SQLite database (and its WAL and shared-memory files, which
/// SQLite creates with the database file's mode), signing keys, exported audit logs. Created with
/// mode 0600 from the first byte (no window in which another user could open them); an existing
/// one readable by group or others is narrowed to 0600.
public enum OwnerOnlyFile {
    /// Creates `path` (mode 0600) with `contents`; fails when it already exists.
    public static func create(_ path: String, contents: [UInt8]) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw failure("cannot create", path) }
        defer { close(descriptor) }
        var written = 0
        while written < contents.count {
            let count = contents.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, $0.count - written) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw failure("cannot write", path) }
            written += count
        }
        guard fsync(descriptor) == 0 else { throw failure("cannot sync", path) }
    }

    /// Creates `path` empty (mode 0600) when it does not exist, else narrows its mode to the
    /// owner's bits when group or others had any.
    public static func prepare(_ path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if descriptor >= 0 {
            close(descriptor)
            return
        }
        guard errno == EEXIST else { throw failure("cannot create", path) }
        try restrict(path)
    }

    /// Narrows an existing file's mode to the owner's bits (nothing when it is missing).
    public static func restrict(_ path: String) throws {
        var status = stat()
        guard stat(path, &status) == 0 else {
            if errno == ENOENT { return }
            throw failure("cannot read the mode of", path)
        }
        let mode = status.st_mode & 0o777
        guard mode & 0o077 != 0 else { return }
        guard chmod(path, mode & 0o700) == 0 else { throw failure("cannot restrict the mode of", path) }
    }

    private static func failure(_ what: String, _ path: String) -> StoreError {
        StoreError(code: .unavailable, message: "\(what) \(path): \(String(cString: strerror(errno)))")
    }
}
