import ConvergencePipelines
import Glibc

/// Reads a `load_csv` step's file from the data folder and checks every row
/// against the declared columns before COPY sees it.
enum CSVFiles {
    static let maxBytes = 256 << 20

    struct Problem: Error, CustomStringConvertible {
        let description: String
    }

    static func read(_ load: CSVLoad, dataDirectory: String) -> Result<[UInt8], Problem> {
        // The path has no `..` and no leading `/` (DataFilePath); resolving symlinks
        // as well keeps a link inside the folder from pointing outside it.
        guard let root = realPath(dataDirectory) else {
            return .failure(Problem(description: "the data folder \(dataDirectory) does not exist"))
        }
        guard let path = realPath(root + "/" + load.file), path.hasPrefix(root + "/") else {
            return .failure(Problem(description: "file \(load.file) not found in the data folder"))
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(Problem(description: "file \(load.file) cannot be read")) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                bytes.append(contentsOf: chunk[0..<n])
                if bytes.count > maxBytes { return .failure(Problem(description: "file \(load.file) is larger than \(maxBytes >> 20) MiB")) }
            } else if n == 0 {
                break
            } else if errno != EINTR {
                return .failure(Problem(description: "file \(load.file) cannot be read"))
            }
        }
        do {
            _ = try CSVValidator.validate(bytes, columns: load.columns, header: load.header)
        } catch {
            return .failure(Problem(description: "\(load.file) \(error.description); nothing was loaded"))
        }
        return .success(bytes)
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
