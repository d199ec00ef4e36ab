import Foundation

/// A diagnostic an experiment file may ask for. Every run's record carries `prefill`; `run`
/// also executes the others (``ExperimentDiagnostics``) after the runs, `sweep` does not.
public enum ExperimentDiagnostic: String, Sendable, Hashable, CaseIterable {
  /// Safety when a refusal or neutral opener is forced before decoding.
  case prefill
  /// Per-position KL(aligned ‖ base) on forbidden prompts.
  case kl
  /// The completion tree after `<assistant>`.
  case tree
  /// ρ, the prompt-independence of the continuation after the refusal opener.
  case rho
  /// Safety against the number of attack samples and epochs.
  case dose
  /// Per seed, family and variant: the proposition's predictors (ρ, ρ_repr, the one-step
  /// transfer, the depth predictors, the KL shares) and safety after refusal unlearning,
  /// with their rank correlations (``PropositionTest``).
  case proposition
  /// Per transformer seed and variant: the refusal direction (Arditi et al.), refusal and
  /// safety with it ablated, benign refusal with it added, before and after each attack
  /// (``DirectionStudy``).
  case direction
}

/// An experiment as a JSON file describes it: a name, a description, the ``Experiment`` and
/// the diagnostics to run. `Docs/RefusalLab.docc/ExperimentFiles.md` documents the format.
public struct ExperimentFile: Sendable, Hashable {
  /// A short identifier (default `experiment`), carried in sweep records.
  public var name: String
  /// Free text for people reading the file (default empty).
  public var description: String
  /// What to train and evaluate.
  public var experiment: Experiment
  /// The diagnostics asked for (default `[prefill]`).
  public var diagnostics: [ExperimentDiagnostic]

  /// Creates a file's contents.
  public init(
    name: String = "experiment", description: String = "", experiment: Experiment,
    diagnostics: [ExperimentDiagnostic] = [.prefill]
  ) {
    self.name = name
    self.description = description
    self.experiment = experiment
    self.diagnostics = diagnostics
  }

  /// Reads and decodes the file at `url`.
  ///
  /// A missing file, anything that is not a regular file (a directory, a device, a FIFO) and
  /// an unreadable file are reported with the file's path.
  public init(contentsOf url: URL) throws(ConfigurationError) {
    let path = url.relativePath
    switch FileKind(path: path) {
    case .regular: break
    case .missing: throw ConfigurationError(field: path, message: "no such file")
    case .directory:
      throw ConfigurationError(field: path, message: "is a directory, not an experiment file")
    case let kind: throw ConfigurationError(field: path, message: kind.problem ?? "")
    }
    let data: Data
    do {
      data = try Data(contentsOf: url)
    } catch {
      throw ConfigurationError(field: path, message: "cannot be read: no permission")
    }
    guard !data.isEmpty else { throw ConfigurationError(field: path, message: "is empty") }
    try self.init(json: data)
  }
}
