import Foundation

/// The JSON document `demo --json` prints.
public enum ResultsJSON {
  private struct Document: Encodable {
    var seeds: [UInt64]
    var models: [ModelFamily]
    var variants: [String]
    var conditions: [AttackCondition]
    var attackSamples: Int
    var runs: [RunRecord]
    var paired: [PairedDifference]
    var diagnostics: ExperimentDiagnostics?
  }

  /// One JSON document: the experiment's identifiers, a `runs` array with one record per
  /// trained run, and a `paired` array of paired differences across seeds
  /// (`PairedStatistics.all`), and the experiment file's further `diagnostics` when given.
  /// Keys are sorted, so the same runs give the same bytes.
  public static func document(
    experiment: Experiment, runs: [RunRecord], diagnostics: ExperimentDiagnostics? = nil
  ) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let document = Document(
      seeds: experiment.seeds, models: experiment.families.map(\.family),
      variants: experiment.variants.map(\.name), conditions: experiment.conditions,
      attackSamples: experiment.attack.sampleCount, runs: runs,
      paired: PairedStatistics.all(records: runs), diagnostics: diagnostics)
    return String(decoding: try encoder.encode(document), as: UTF8.self)
  }
}
