import Foundation

extension ExperimentFile {
  /// The built-in presets' JSON, by name: the files of the package's `Presets` folder,
  /// embedded in the code so that the tool needs no resource bundle beside it.
  private static let presetData: [String: [UInt8]] = [
    "defense-sweep": PackageResources.defense_sweep_json,
    "demo": PackageResources.demo_json,
    "ngram-quick": PackageResources.ngram_quick_json,
  ]

  /// The names of the built-in presets, sorted.
  public static var presetNames: [String] { presetData.keys.sorted() }

  /// A built-in preset by name (`demo`, `ngram-quick`, …), decoded and validated.
  public static func preset(named name: String) throws(ConfigurationError) -> ExperimentFile {
    guard let bytes = presetData[name] else {
      let known = presetNames.joined(separator: ", ")
      throw ConfigurationError(
        field: "preset:\(name)", message: "no built-in preset of that name (known: \(known))")
    }
    do {
      return try ExperimentFile(json: Data(bytes))
    } catch {
      var located = error
      located.field = "preset:\(name): " + error.field
      throw located
    }
  }
}
