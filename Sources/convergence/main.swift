import ConvergenceCore
import Glibc

let arguments = Array(CommandLine.arguments.dropFirst())
exit(CommandLineInterface(arguments: arguments, environment: currentEnvironment()).run())
