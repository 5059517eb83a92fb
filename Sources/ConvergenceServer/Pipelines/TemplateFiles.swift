import ConvergenceHTTP
import ConvergenceJSON
import ConvergencePipelines
import Glibc

/// Reads templates from `pipeline_config_dir`. The path is built only from
/// names that passed `PipelineName.isValid` (no `/`, no `.`), so a request
/// cannot name a file outside `{dir}/{provider}/{domain}/`.
enum TemplateFiles {
    static let maxTemplateBytes = 1 << 20

    static func validatedName(_ value: String?, _ what: String) throws(APIError) -> String {
        guard let value, PipelineName.isValid(value) else {
            throw APIError.badRequest("invalid_\(what)", "\(what) must be 1 to 64 characters of A-Z, a-z, 0-9, _ and -.")
        }
        return value
    }

    /// The template's text; 404 when there is no such template.
    static func read(directory: String, relativePath: String) throws(APIError) -> String {
        let path = directory.hasSuffix("/") ? directory + relativePath : directory + "/" + relativePath
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT || errno == ENOTDIR {
                throw APIError(.notFound, code: "template_not_found", message: "No pipeline template \(relativePath).")
            }
            throw APIError(.serviceUnavailable, code: "template_unreadable", message: "The template \(relativePath) cannot be read.")
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                bytes.append(contentsOf: chunk[0..<n])
                guard bytes.count <= maxTemplateBytes else {
                    throw APIError.badRequest("invalid_template", "Template \(relativePath) is larger than \(maxTemplateBytes) bytes.")
                }
            } else if n == 0 {
                break
            } else if errno != EINTR {
                // EISDIR and friends: a folder named like a template is no template.
                throw APIError(.notFound, code: "template_not_found", message: "No pipeline template \(relativePath).")
            }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw APIError.badRequest("invalid_template", "Template \(relativePath) is not UTF-8 text.")
        }
        return text
    }

    /// Loads and compiles a template for a run: 404 unknown, 400 invalid (naming file and line) or bad parameters.
    static func plan(directory: String, context: PipelineContext,
                     parameters: [String: JSONValue]) throws(APIError) -> PipelinePlan {
        let text = try read(directory: directory, relativePath: context.templatePath)
        do {
            return try TemplateCompiler.compile(yaml: text, context: context, parameters: parameters)
        } catch {
            switch error.kind {
            case .invalidTemplate: throw APIError.badRequest("invalid_template", error.message)
            case .invalidParameters: throw APIError.badRequest("invalid_parameters", error.message)
            }
        }
    }
}
