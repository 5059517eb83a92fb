import ConvergenceCore
import ConvergenceIdentity

/// Loads the credential master keyring. No key outside dev mode is an error:
/// there is no plaintext fallback, ever.
public enum MasterKeys {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The keyring, or nil in dev mode without one (credential routes then answer 503).
    public static func load(config: Config, environment: [String: String]) throws(Failure) -> MasterKeyring? {
        let text: String?
        do { text = try ConfigLoader.masterKeyText(config: config, environment: environment) } catch {
            throw Failure(description: error.description)
        }
        guard let text else {
            if config.devMode { return nil }
            throw Failure(description: "no master key: set CONVERGENCE_MASTER_KEY or master_key_file "
                + "(make one with `convergence admin generate-master-key`); only dev_mode may run without")
        }
        do { return try MasterKeyring(text: text) } catch {
            throw Failure(description: "master key: \(error.description)")
        }
    }
}
