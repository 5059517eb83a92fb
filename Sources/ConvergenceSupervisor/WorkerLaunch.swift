import ConvergenceCore
import Foundation

/// How the supervisor hands the validated configuration to a worker: JSON in
/// an environment variable, so both run with exactly the same settings even if
/// the file changes in between (secrets are not part of `Config`).
public enum WorkerLaunch {
    static func encode(_ config: Config) -> String {
        // Encoding a plain struct of scalars cannot fail.
        String(decoding: try! JSONEncoder().encode(config), as: UTF8.self)
    }

    public static func decode(_ text: String) -> Config? {
        try? JSONDecoder().decode(Config.self, from: Data(text.utf8))
    }
}

public enum ConvergenceVersion {
    public static let string = "0.1.0"
}
